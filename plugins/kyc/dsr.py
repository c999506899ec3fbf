"""Data-subject requests (P5): open with a deadline, export, erase, close, overdue tasks.

Deadlines follow the brand's jurisdiction unless the brand sets ``kyc.dsr_days``:
CN 15 days (the brand policy of COMPLIANCE.md P5); TW 15 days to see or copy, 30 to
correct or delete (PDPA arts. 13, 11); EU one calendar month (GDPR art. 12(3), extendable
by two); US 45 days (CCPA, extendable by 45).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import func, select

from core.api import (
    N_,
    AwareDateTime,
    BrandScopedSchema,
    Ctx,
    Customer,
    DomainError,
    NotFound,
    ValidationFailed,
    _,
    clean_row,
    erase_customer,
    get_by_id,
    get_setting,
    insert_tasks,
    load_or_raise,
    record_audit,
    register_labels,
    register_stored_texts,
    resolve_customer,
    row_policy,
    task_row,
    use_locale,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.identity import add_months
from plugins.kyc.models import DataRequest, RequestKind, RequestStatus

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Data request %(ref)s (%(kind)s) was due on %(day)s"),
))

OVERDUE_KIND = "kyc_dsr_overdue"
register_labels("task_kind", {OVERDUE_KIND: N_("Overdue data request")}, _)
_SEE = {RequestKind.ACCESS, RequestKind.EXPORT, RequestKind.PORTABILITY, RequestKind.EXPLAIN}


def due_date(jurisdiction: str, kind: RequestKind, opened_on: dt.date,
             days_setting: int | None = None) -> dt.date:
    """The day a request must be answered by (inclusive)."""
    if days_setting is not None:
        return opened_on + dt.timedelta(days=days_setting)
    if jurisdiction == "EU":
        return add_months(opened_on, 1)
    if jurisdiction == "US":
        return opened_on + dt.timedelta(days=45)
    if jurisdiction == "TW":
        return opened_on + dt.timedelta(days=15 if kind in _SEE else 30)
    return opened_on + dt.timedelta(days=15)


class OpenSchema(BrandScopedSchema):
    customer_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in
                                                                 RequestKind]))
    at = AwareDateTime()
    identity_check = fields.String(validate=validate.Length(max=200))


def open_request(ctx: Ctx, data: Mapping[str, Any]) -> DataRequest:
    """Register a request; its ref is ``DSR-<year>-<n>`` and its deadline comes from the
    brand's jurisdiction (or ``kyc.dsr_days``)."""
    require_enabled(ctx)
    values = load_or_raise(OpenSchema(tz=ctx.tz), clean_row(data))
    at = values.get("at") or ctx.now()
    if at > ctx.now() + dt.timedelta(minutes=5):
        raise ValidationFailed({"at": [_("Must not be in the future.")]})
    assert ctx.brand is not None
    kind = RequestKind(values["kind"])
    opened_on = at.astimezone(ctx.tz).date()
    with ctx.write():
        customer = resolve_customer(ctx, values["customer_ref"])
        count = ctx.session.scalar(select(func.count()).select_from(DataRequest).where(
            DataRequest.brand_id == ctx.brand_id)) or 0
        request = DataRequest(
            brand_id=ctx.brand_id, request_ref=f"DSR-{opened_on.year}-{count + 1:05d}",
            customer_id=customer.id, kind=kind, opened_at=at,
            due_on=due_date(str(ctx.brand.jurisdiction), kind, opened_on,
                            get_setting(ctx, "kyc.dsr_days")),
            identity_check=values.get("identity_check"), status=RequestStatus.OPEN,
            created_by=ctx.user)
        ctx.session.add(request)
    return request


def get_request(ctx: Ctx, ref: str) -> DataRequest:
    """The brand's request with this ref (a rep sees their own customers' only)."""
    require_enabled(ctx)
    request = ctx.session.scalar(select(DataRequest).where(
        DataRequest.brand_id == ctx.brand_id, DataRequest.request_ref == ref))
    if request is None:
        raise NotFound(_("No data request with reference %(ref)s.", ref=ref))
    get_by_id(ctx, Customer, request.customer_id)  # the row policy: NotFound out of scope
    return request


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A request as listed, with its customer and whether it is late."""

    request_ref: str
    customer_ref: str
    customer_name: str
    kind: str
    status: str
    opened_at: dt.datetime
    due_on: dt.date
    closed_at: dt.datetime | None
    overdue: bool
    days_to_close: int | None


def list_requests(ctx: Ctx, *, overdue_only: bool = False, open_only: bool = False
                  ) -> list[RequestRow]:
    """The brand's requests, the most urgent first."""
    require_enabled(ctx)
    today = ctx.local_today()
    stmt = (select(DataRequest, Customer.customer_ref, Customer.name)
            .join(Customer, Customer.id == DataRequest.customer_id)
            .where(DataRequest.brand_id == ctx.brand_id, *row_policy(ctx, Customer))
            .order_by(DataRequest.status != RequestStatus.OPEN.value, DataRequest.due_on,
                      DataRequest.id))
    if overdue_only or open_only:
        stmt = stmt.where(DataRequest.status == RequestStatus.OPEN.value)
    rows = []
    for r, ref, name in ctx.session.execute(stmt):
        deadline = r.extended_to or r.due_on
        late = r.status is RequestStatus.OPEN and deadline < today
        if overdue_only and not late:
            continue
        closed_days = ((r.closed_at.astimezone(ctx.tz).date()
                        - r.opened_at.astimezone(ctx.tz).date()).days
                       if r.closed_at else None)
        rows.append(RequestRow(r.request_ref, ref, name, str(r.kind), str(r.status), r.opened_at,
                               deadline, r.closed_at, late, closed_days))
    return rows


def longest_extension(jurisdiction: str, kind: RequestKind, due_on: dt.date) -> dt.date | None:
    """The latest a request's deadline may be moved to: EU two more months, US 45 more
    days, TW once more the same period; none under the CN policy."""
    if jurisdiction == "EU":
        return add_months(due_on, 2)
    if jurisdiction == "US":
        return due_on + dt.timedelta(days=45)
    if jurisdiction == "TW":
        return due_on + dt.timedelta(days=15 if kind in _SEE else 30)
    return None


def extend_request(ctx: Ctx, ref: str, until: dt.date, reason: str) -> DataRequest:
    """Move an open request's deadline where the law allows it, with the reason given to
    the person (kept with the request)."""
    request = get_request(ctx, ref)
    assert ctx.brand is not None
    if request.status is not RequestStatus.OPEN:
        raise DomainError(_("Data request %(ref)s is already %(status)s.", ref=ref,
                            status=request.status.value), code="bad_status")
    latest = longest_extension(str(ctx.brand.jurisdiction), request.kind, request.due_on)
    errors: dict[str, list[str]] = {}
    if latest is None:
        errors["until"] = [_("The deadline of this jurisdiction cannot be extended.")]
    elif not request.due_on < until <= latest:
        errors["until"] = [_("Must be after %(due)s and at most %(latest)s.",
                             due=request.due_on, latest=latest)]
    if not reason.strip():
        errors["reason"] = [_("Give the reason the person will be told.")]
    if errors:
        raise ValidationFailed(errors)
    with ctx.write():
        request.extended_to = until
        request.outcome = _("Extended to %(day)s: %(reason)s", day=until,
                            reason=reason.strip())[:2000]
    return request


def close_request(ctx: Ctx, ref: str, *, outcome: str, refused: bool = False
                  ) -> DataRequest:
    """Close a request as done, or refused with a reason (a refusal needs one)."""
    request = get_request(ctx, ref)
    if request.status is not RequestStatus.OPEN:
        raise DomainError(_("Data request %(ref)s is already %(status)s.", ref=ref,
                            status=request.status.value), code="bad_status")
    if refused and not outcome.strip():
        raise ValidationFailed({"outcome": [_("A refusal must give the reason.")]})
    with ctx.write():
        request.status = RequestStatus.REFUSED if refused else RequestStatus.DONE
        request.closed_at, request.closed_by = ctx.now(), ctx.user
        request.outcome = outcome.strip()[:2000] or None
    return request


def export_request(ctx: Ctx, ref: str, out_dir: Path) -> Path:
    """Write the archive of everything held about the request's customer (JSON, CSV and a
    readable PDF in the brand's language) into ``out_dir``; an access, export or
    portability request is then done. Returns the archive's path."""
    from plugins.kyc.archive import write_archive

    request = get_request(ctx, ref)
    path = write_archive(ctx, request.customer_id, out_dir, request.request_ref)
    with ctx.write():
        record_audit(ctx, "export", record_type="kyc_requests", record_id=request.id,
                     details={"file": path.name})
    if request.status is RequestStatus.OPEN and request.kind in _SEE:
        close_request(ctx, ref, outcome=_("Archive %(file)s handed over.", file=path.name))
    return path


def erase_request(ctx: Ctx, ref: str) -> DataRequest:
    """Carry out a deletion request: pseudonymise the customer everywhere the law makes
    the brand keep records, erase the rest, and close the request."""
    request = get_request(ctx, ref)
    if request.kind is not RequestKind.DELETE:
        raise DomainError(_("Data request %(ref)s asks for %(kind)s, not deletion.", ref=ref,
                            kind=request.kind.value), code="bad_status")
    if request.status is not RequestStatus.OPEN:
        raise DomainError(_("Data request %(ref)s is already %(status)s.", ref=ref,
                            status=request.status.value), code="bad_status")
    done = erase_customer(ctx, request.customer_id)
    return close_request(ctx, ref, outcome=_(
        "Erased: %(records)s customer records pseudonymised, %(texts)s free texts and "
        "%(entries)s audit entries cleared.", records=len(done.customer_ids),
        texts=done.free_texts, entries=done.audit_entries))


def create_overdue_tasks(ctx: Ctx) -> int:
    """One task per overdue open request, for the customer's rep (who chases the back
    office); one per request however often it runs. Returns the count created."""
    assert ctx.brand is not None
    late = list_requests(ctx, overdue_only=True)
    if not late:
        return 0
    owners = dict(ctx.session.execute(
        select(DataRequest.request_ref, Customer.rep_id)
        .join(Customer, Customer.id == DataRequest.customer_id)
        .where(DataRequest.brand_id == ctx.brand_id,
               DataRequest.request_ref.in_([r.request_ref for r in late]))).all())
    ids = dict(ctx.session.execute(select(DataRequest.request_ref, DataRequest.customer_id)
                                   .where(DataRequest.brand_id == ctx.brand_id,
                                          DataRequest.request_ref.in_(owners))).all())
    now = ctx.now()
    with use_locale(ctx.brand.default_locale):
        rows = [task_row(ctx, rule_key=f"kyc:dsr:{r.request_ref}", kind=OVERDUE_KIND,
                         title=_("Data request %(ref)s (%(kind)s) was due on %(day)s",
                                 ref=r.request_ref, kind=r.kind, day=r.due_on),
                         due_at=now, customer_id=ids[r.request_ref],
                         rep_id=owners[r.request_ref], purpose="service") for r in late]
    with ctx.write():
        return insert_tasks(ctx, rows)
