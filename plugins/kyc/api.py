"""REST API of the kyc module under ``/api/v1/kyc``: consents, identities, data requests.

Permissions are the screens' (resource ``mod_kyc``: ``can_read`` to look, ``can_write`` to
record); brand and rep scoping as everywhere (another brand's or rep's customer is 404),
and a brand without the module gets 404 on every endpoint.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect

from core.api import Customer, get_by_ref
from core.api.web import CrmApi, api_errors, jsonable, module_ctx, openapi
from plugins.kyc import consent, dsr, identity
from plugins.kyc.common import MODULE
from plugins.kyc.models import ConsentSource


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

    openapi("A customer's consents as they stand", path=("ref",), method="get")(consents)

    @expose("/customers/<string:ref>/consents", methods=["POST"])
    @protect()
    @api_errors
    def give(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        written = consent.give(ctx, {**self.json_body(), "customer_ref": ref},
                               ConsentSource.API)
        return self.response(201 if written else 200, result={"written": written})

    openapi("Record a consent (body: purpose, channel, notice_version, at, evidence, "
            "guardian_name)", path=("ref",), body=True, method="post")(give)

    @expose("/customers/<string:ref>/withdrawals", methods=["POST"])
    @protect()
    @api_errors
    def withdraw(self, ref: str) -> Any:
        ctx = module_ctx(MODULE)
        written = consent.withdraw(ctx, {**self.json_body(), "customer_ref": ref},
                                   ConsentSource.API)
        return self.response(201 if written else 200, result={"written": written})

    openapi("Withdraw a consent (body: purpose, channel (default: every channel), at)",
            path=("ref",), body=True, method="post")(withdraw)

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

    openapi("Check an identity document and record a verification (body: id_type, "
            "id_number, method, legal_name, passed, at)", path=("ref",), body=True,
            method="post")(verify)

    @expose("/requests", methods=["GET"])
    @protect()
    @api_errors
    def requests(self) -> Any:
        ctx = module_ctx(MODULE)
        rows = dsr.list_requests(ctx, overdue_only=request.args.get("overdue") == "true",
                                 open_only=request.args.get("open") == "true")
        return self.response(200, result=[_request(r) for r in rows])

    openapi("Data-subject requests, most urgent first", query=("overdue", "open"),
            method="get")(requests)

    @expose("/requests", methods=["POST"])
    @protect()
    @api_errors
    def open(self) -> Any:
        ctx = module_ctx(MODULE)
        created = dsr.open_request(ctx, self.json_body())
        return self.response(201, result={"ref": created.request_ref,
                                          "due_on": created.due_on.isoformat()})

    openapi("Register a data-subject request (body: customer_ref, kind, at, "
            "identity_check)", body=True, method="post")(open)

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

    openapi("Close a request as done, or refused (body: outcome, refused)", path=("ref",),
            body=True, method="post")(close)

    @expose("/requests/<string:ref>/erasure", methods=["POST"])
    @protect()
    @api_errors
    def erase(self, ref: str) -> Any:
        done = dsr.erase_request(module_ctx(MODULE), ref)
        return self.response(200, result={"ref": done.request_ref,
                                          "status": done.status.value,
                                          "outcome": done.outcome})

    openapi("Carry out a deletion request (pseudonymise the person everywhere)",
            path=("ref",), method="post")(erase)

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
            path=("ref",), method="post")(export)
