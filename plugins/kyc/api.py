"""REST API of the kyc module under ``/api/v1/kyc``: consents, identities, data requests.

Permissions are the screens' (resource ``mod_kyc``: ``can_read`` to look, ``can_write`` to
record); brand and rep scoping as everywhere (another brand's or rep's customer is 404),
and a brand without the module gets 404 on every endpoint.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect
from marshmallow import Schema, fields

from core.api import Customer, get_by_ref
from core.api.web import CrmApi, api_errors, jsonable, module_ctx, openapi, out
from plugins.kyc import consent, dsr, identity
from plugins.kyc.common import MODULE
from plugins.kyc.models import ConsentSource, RequestKind, RequestStatus

_KINDS = [k.value for k in RequestKind]
_STATUSES = [s.value for s in RequestStatus]


class ConsentOut(Schema):
    """Where one consent stands."""

    purpose = out.text()
    channel = out.text()
    state = out.one_of(["given", "withdrawn"])
    since = out.when()
    notice_version = out.text(nullable=True)
    source = out.text()


class WrittenOut(Schema):
    """How many records were written (0: the same answer was already recorded)."""

    written = out.integer()


class VerifiedOut(Schema):
    """A recorded identity verification (the number masked)."""

    number = out.text()
    birth_date = out.day(nullable=True)
    valid_until = out.day(nullable=True)


class RequestOut(Schema):
    """A data-subject request as listed."""

    ref = out.text()
    customer_ref = out.text()
    kind = out.one_of(_KINDS)
    status = out.one_of(_STATUSES)
    opened_at = out.when()
    due_on = out.day()
    closed_at = out.when(nullable=True)
    overdue = out.boolean()


class OpenedOut(Schema):
    """A registered request and its legal deadline."""

    ref = out.text()
    due_on = out.day()


class CloseBody(Schema):
    """How a request ends."""

    outcome = fields.String(metadata={"description": "What was done, for the record"})
    refused = fields.Boolean(metadata={"description": "true: the request is refused"})


class ClosedOut(Schema):
    """A request's new status (and, after an erasure, what was done)."""

    ref = out.text()
    status = out.one_of(_STATUSES)


class ErasedOut(ClosedOut):
    outcome = out.text(nullable=True)


def _state(s: consent.ConsentState) -> dict[str, Any]:
    return {"purpose": s.purpose, "channel": s.channel,
            "state": "given" if s.live else "withdrawn", "since": jsonable(s.since),
            "notice_version": s.notice_version, "source": s.source}


def _request(r: dsr.RequestRow) -> dict[str, Any]:
    return {"ref": r.request_ref, "customer_ref": r.customer_ref, "kind": r.kind,
            "status": r.status, "opened_at": jsonable(r.opened_at),
            "due_on": r.due_on.isoformat(), "closed_at": jsonable(r.closed_at),
            "overdue": r.overdue}


class KycApi(CrmApi):
    """Consent ledger, identity verification and data-subject requests."""

    resource_name = "kyc"
    class_permission_name = "mod_kyc"
    method_permission_name = {"consents": "read", "give": "write", "withdraw": "write",
                              "verify": "write", "requests": "read", "open": "write",
                              "close": "write", "erase": "write", "export": "write"}

    @expose("/customers/<string:ref>/consents", methods=["GET"])
    @protect()
    @api_errors
    def consents(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        customer = get_by_ref(ctx, Customer, ref)
        states = consent.consent_states(ctx, customer.merged_into_id or customer.id)
        return self.response(200, result=[_state(s) for s in states])

    openapi("A customer's consents as they stand", path=("ref",), method="get",
            response=ConsentOut, many=True)(consents)

    @expose("/customers/<string:ref>/consents", methods=["POST"])
    @protect()
    @api_errors
    def give(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        written = consent.give(ctx, {**self.json_body(), "customer_ref": ref},
                               ConsentSource.API)
        return self.response(201 if written else 200, result={"written": written})

    openapi("Record a consent (201; 200 when it was already recorded)", path=("ref",),
            body=consent.AnswerSchema(exclude=("customer_ref",)), method="post",
            status=(200, 201), response=WrittenOut)(give)

    @expose("/customers/<string:ref>/withdrawals", methods=["POST"])
    @protect()
    @api_errors
    def withdraw(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        written = consent.withdraw(ctx, {**self.json_body(), "customer_ref": ref},
                                   ConsentSource.API)
        return self.response(201 if written else 200, result={"written": written})

    openapi("Withdraw a consent (no channel: every channel of the purpose; 200 when "
            "nothing was left to withdraw)", path=("ref",),
            body=consent.AnswerSchema(exclude=("customer_ref",)), method="post",
            status=(200, 201), response=WrittenOut)(withdraw)

    @expose("/customers/<string:ref>/identities", methods=["POST"])
    @protect()
    @api_errors
    def verify(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        body = {k: v for k, v in self.json_body().items() if k != "rep_ref"}
        done = identity.verify(ctx, {**body, "customer_ref": ref})
        return self.response(201, result={
            "number": done.masked_number, "birth_date": jsonable(done.birth_date),
            "valid_until": jsonable(done.valid_until)})

    openapi("Check an identity document and record a verification", path=("ref",),
            body=identity.VerifySchema(exclude=("customer_ref", "rep_ref")),
            method="post", response=VerifiedOut)(verify)

    @expose("/requests", methods=["GET"])
    @protect()
    @api_errors
    def requests(self) -> Any:
        ctx = module_ctx(MODULE)
        rows = dsr.list_requests(ctx, overdue_only=request.args.get("overdue") == "true",
                                 open_only=request.args.get("open") == "true")
        return self.response(200, result=[_request(r) for r in rows])

    openapi("Data-subject requests, most urgent first",
            query={"overdue": "boolean", "open": "boolean"}, method="get",
            response=RequestOut, many=True)(requests)

    @expose("/requests", methods=["POST"])
    @protect()
    @api_errors
    def open(self) -> Any:
        ctx = module_ctx(MODULE)
        created = dsr.open_request(ctx, self.json_body())
        return self.response(201, result={"ref": created.request_ref,
                                          "due_on": created.due_on.isoformat()})

    openapi("Register a data-subject request", body=dsr.OpenSchema, method="post",
            response=OpenedOut)(open)

    @expose("/requests/<string:ref>/close", methods=["POST"])
    @protect()
    @api_errors
    def close(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        body = self.json_body()
        done = dsr.close_request(ctx, ref, outcome=str(body.get("outcome") or ""),
                                 refused=body.get("refused") is True)
        return self.response(200, result={"ref": done.request_ref,
                                          "status": done.status.value})

    openapi("Close a request as done, or refused", path=("ref",), body=CloseBody,
            method="post", status=200, response=ClosedOut)(close)

    @expose("/requests/<string:ref>/erasure", methods=["POST"])
    @protect()
    @api_errors
    def erase(self, ref: str) -> Any:
        done = dsr.erase_request(module_ctx(MODULE), ref)
        return self.response(200, result={"ref": done.request_ref,
                                          "status": done.status.value,
                                          "outcome": done.outcome})

    openapi("Carry out a deletion request (pseudonymise the person everywhere)",
            path=("ref",), method="post", response=ErasedOut)(erase)

    @expose("/requests/<string:ref>/archive", methods=["POST"])
    @protect()
    @api_errors
    def export(self, ref: str) -> Any:
        import io
        import tempfile
        from pathlib import Path

        from flask import send_file

        ctx = module_ctx(MODULE)
        with tempfile.TemporaryDirectory() as folder:
            data = io.BytesIO(dsr.export_request(ctx, ref, Path(folder)).read_bytes())
        return send_file(data, mimetype="application/zip", as_attachment=True,
                         download_name=f"{ref}.zip")

    openapi("The archive of everything held about the person (ZIP: JSON, CSV, PDF)",
            path=("ref",), method="post", produces="application/zip")(export)
