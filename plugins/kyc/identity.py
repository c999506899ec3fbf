"""Verified identities of customers and reps.

A verification checks the document number (``plugins.kyc.documents``), stores it encrypted
with a lookup hash, and appends a verification record valid for ``kyc.refresh_months``.
Storing a customer's ID number needs a live ``sensitive_data`` consent (P2). For a rep, the
birth date read from a resident ID is compared with the declared one (DS1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates_schema
from sqlalchemy import func, select

from core.api import (
    N_,
    AwareDateTime,
    BrandScopedSchema,
    Ctx,
    Customer,
    Rep,
    ValidationFailed,
    _,
    chunks,
    clean_row,
    delete_encrypted,
    get_by_id,
    get_by_ref,
    get_setting,
    insert_tasks,
    load_or_raise,
    lookup_hash,
    masked,
    register_labels,
    register_stored_texts,
    resolve_customer,
    reveal,
    store_encrypted,
    task_row,
    use_locale,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.consent import live_consents
from plugins.kyc.documents import Document, InvalidNumber, check_number
from plugins.kyc.models import Identity, IdType, Purpose, Verification, VerificationMethod

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Verify the identity of %(ref)s again (valid until %(day)s)"),
    N_("Verify the identity of %(ref)s (no passed verification)"),
))

REFRESH_KIND = "kyc_refresh"
register_labels("task_kind", {REFRESH_KIND: N_("Identity refresh")}, _)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class VerifySchema(BrandScopedSchema):
    customer_ref = fields.String(validate=validate.Length(min=1, max=64))
    rep_ref = fields.String(validate=validate.Length(min=1, max=64))
    id_type = fields.String(required=True, validate=validate.OneOf([t.value for t in IdType]))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    legal_name = fields.String(validate=validate.Length(min=1, max=200))
    method = fields.String(required=True,
                           validate=validate.OneOf([m.value for m in VerificationMethod]))
    passed = fields.Boolean(load_default=True)
    at = AwareDateTime()
    evidence_ref = fields.String(validate=validate.Length(max=200))
    note = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _one_subject(self, data: Mapping[str, Any], **kw: Any) -> None:
        if bool(data.get("customer_ref")) == bool(data.get("rep_ref")):
            raise SchemaError(_("Give either a customer or a rep."), "customer_ref")


@dataclass(frozen=True, slots=True)
class Verified:
    """The outcome of a verification: what was stored, and any birth-date mismatch."""

    identity_id: int
    verification_id: int
    masked_number: str
    birth_date: dt.date | None
    valid_until: dt.date | None
    declared_birth_date: dt.date | None = None

    @property
    def birth_mismatch(self) -> bool:
        """A rep's declared birth date differs from the one on the document (DS1)."""
        return (self.birth_date is not None and self.declared_birth_date is not None
                and self.birth_date != self.declared_birth_date)


def verify(ctx: Ctx, data: Mapping[str, Any], evidence: bytes | None = None) -> Verified:
    """Check and store an identity document and one verification of it. ``evidence`` (a
    photo, a scan) is kept encrypted outside the database rows; the verification keeps its
    reference."""
    require_enabled(ctx)
    values = load_or_raise(VerifySchema(tz=ctx.tz), clean_row(data))
    at = values.get("at") or ctx.now()
    if at > ctx.now() + dt.timedelta(minutes=5):
        raise ValidationFailed({"at": [_("Must not be in the future.")]})
    try:
        doc = check_number(values["id_type"], values["id_number"], at.astimezone(ctx.tz).date())
    except InvalidNumber as exc:
        raise ValidationFailed({"id_number": [str(exc)]}) from None
    number_hash = lookup_hash(doc.number)
    assert number_hash is not None
    stored = store_encrypted(ctx.brand_id, evidence, kind="kyc_evidence") if evidence else None
    try:
        return _store(ctx, values, doc, number_hash, at, stored)
    except BaseException:
        if stored:
            delete_encrypted(stored)  # the verification was not recorded
        raise


def _store(ctx: Ctx, values: Mapping[str, Any], doc: Document, number_hash: str,
           at: dt.datetime, evidence_ref: str | None) -> Verified:
    with ctx.write():
        customer: Customer | None = None
        rep: Rep | None = None
        if values.get("customer_ref"):
            customer = resolve_customer(ctx, values["customer_ref"])
            if not live_consents(ctx, [customer.id], Purpose.SENSITIVE_DATA.value, at):
                raise ValidationFailed({"id_number": [_(
                    "Storing an ID number needs the customer's separate consent for "
                    "sensitive data (P2), and none is live: record it first "
                    "(consent give --purpose sensitive_data).")]})
        else:
            rep = get_by_ref(ctx, Rep, values["rep_ref"])
        _refuse_shared_number(ctx, number_hash, customer, rep)
        owner = (Identity.customer_id == customer.id) if customer else (Identity.rep_id
                                                                         == rep.id)  # type: ignore[union-attr]
        identity = ctx.session.scalar(select(Identity).where(
            Identity.brand_id == ctx.brand_id, owner, Identity.id_type == doc.id_type))
        now = ctx.now()
        if identity is None:
            identity = Identity(brand_id=ctx.brand_id, customer_id=customer and customer.id,
                                rep_id=rep and rep.id, id_type=doc.id_type, created_at=now)
            ctx.session.add(identity)
        identity.number, identity.number_hash = doc.number, number_hash
        identity.birth_date, identity.region = doc.birth_date, doc.region
        if values.get("legal_name"):
            identity.legal_name = values["legal_name"]
        identity.updated_at = now
        ctx.session.flush()
        valid_until = (add_months(at.astimezone(ctx.tz).date(),
                                  int(get_setting(ctx, "kyc.refresh_months")))
                       if values["passed"] else None)
        check = Verification(brand_id=ctx.brand_id, identity_id=identity.id,
                             method=VerificationMethod(values["method"]),
                             passed=values["passed"], verified_by=ctx.user, verified_at=at,
                             valid_until=valid_until,
                             evidence_ref=evidence_ref or values.get("evidence_ref"),
                             note=values.get("note"), created_at=now)
        ctx.session.add(check)
        ctx.session.flush()
        return Verified(identity.id, check.id, masked(doc.number) or "", doc.birth_date,
                        valid_until, rep.birth_date if rep else None)


def _refuse_shared_number(ctx: Ctx, number_hash: str, customer: Customer | None,
                          rep: Rep | None) -> None:
    """The same document cannot belong to two customers (or two reps) of the brand."""
    column = Identity.customer_id if customer else Identity.rep_id
    mine = customer.id if customer else rep.id  # type: ignore[union-attr]
    other = ctx.session.scalar(select(column).where(
        Identity.brand_id == ctx.brand_id, Identity.number_hash == number_hash,
        column.is_not(None), column != mine).limit(1))
    if other is None:
        return
    if customer:
        ref = get_by_id(ctx, Customer, other).customer_ref
        raise ValidationFailed({"id_number": [_(
            "This number is already recorded for customer %(ref)s: merge the two records "
            "if they are the same person.", ref=ref)]})
    raise ValidationFailed({"id_number": [_("This number is already recorded for rep "
                                            "%(ref)s.", ref=get_by_id(ctx, Rep, other).rep_ref)]})


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """An identity document as shown: masked number and its latest verification."""

    identity_id: int
    id_type: str
    masked_number: str
    birth_date: dt.date | None
    region: str | None
    verified_at: dt.datetime | None
    method: str | None
    passed: bool | None
    valid_until: dt.date | None


def documents(ctx: Ctx, customer_id: int) -> list[DocumentRow]:
    """A customer's identity documents, each with its latest verification."""
    require_enabled(ctx)
    out = []
    for doc in ctx.session.scalars(select(Identity).where(
            Identity.brand_id == ctx.brand_id, Identity.customer_id == customer_id)
            .order_by(Identity.id_type)):
        last = ctx.session.scalar(select(Verification).where(
            Verification.identity_id == doc.id).order_by(Verification.verified_at.desc())
            .limit(1))
        out.append(DocumentRow(doc.id, str(doc.id_type), masked(doc.number) or "",
                               doc.birth_date, doc.region,
                               last.verified_at if last else None,
                               str(last.method) if last else None,
                               last.passed if last else None,
                               last.valid_until if last else None))
    return out


def reveal_number(ctx: Ctx, identity_id: int) -> str | None:
    """The full document number, with a ``reveal`` audit entry (permission is the
    caller's to check)."""
    require_enabled(ctx)
    identity = get_by_id(ctx, Identity, identity_id)
    with ctx.write():
        return reveal(ctx, identity, "number")


# -- refresh -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshDue:
    """An identity whose verification lapses (or lapsed, or never passed)."""

    identity_id: int
    subject: str        # "customer" or "rep"
    ref: str
    id_type: str
    masked_number: str
    valid_until: dt.date | None
    owner_rep_id: int | None
    customer_id: int | None = None


def refresh_due(ctx: Ctx, within_days: int | None = None) -> list[RefreshDue]:
    """Identities to verify again: the latest passed verification lapses within
    ``within_days`` (default ``kyc.refresh_notice_days``) of today, or none ever passed.
    Oldest first."""
    require_enabled(ctx)
    days = get_setting(ctx, "kyc.refresh_notice_days") if within_days is None else within_days
    horizon = ctx.local_today() + dt.timedelta(days=int(days))
    last_valid = (select(Verification.identity_id,
                         func.max(Verification.valid_until).label("valid_until"))
                  .where(Verification.brand_id == ctx.brand_id, Verification.passed.is_(True))
                  .group_by(Verification.identity_id).subquery())
    rows = ctx.session.execute(
        select(Identity.id, Identity.customer_id, Identity.rep_id, Identity.id_type,
               Identity.number, last_valid.c.valid_until)
        .outerjoin(last_valid, last_valid.c.identity_id == Identity.id)
        .where(Identity.brand_id == ctx.brand_id,
               (last_valid.c.valid_until.is_(None)) | (last_valid.c.valid_until <= horizon))
        .order_by(last_valid.c.valid_until.is_not(None), last_valid.c.valid_until,
                  Identity.id)).all()
    customers: dict[int, tuple[str, int | None]] = {}
    reps: dict[int, str] = {}
    for chunk in chunks(sorted({r.customer_id for r in rows if r.customer_id})):
        customers.update({cid: (ref, rep) for cid, ref, rep in ctx.session.execute(
            select(Customer.id, Customer.customer_ref, Customer.rep_id)
            .where(Customer.brand_id == ctx.brand_id, Customer.id.in_(chunk)))})
    for chunk in chunks(sorted({r.rep_id for r in rows if r.rep_id})):
        reps.update(ctx.session.execute(select(Rep.id, Rep.rep_ref).where(
            Rep.brand_id == ctx.brand_id, Rep.id.in_(chunk))).all())
    out = []
    for r in rows:
        if r.customer_id:
            ref, owner = customers[r.customer_id]
            out.append(RefreshDue(r.id, "customer", ref, str(r.id_type), masked(r.number) or "",
                                  r.valid_until, owner, r.customer_id))
        else:
            out.append(RefreshDue(r.id, "rep", reps[r.rep_id], str(r.id_type),
                                  masked(r.number) or "", r.valid_until, r.rep_id))
    return out


def create_refresh_tasks(ctx: Ctx) -> int:
    """One task per identity due for a refresh, for the owner (the customer's rep, or the
    rep themself); one per lapse date however often it runs. Returns the count created."""
    due = refresh_due(ctx)
    assert ctx.brand is not None
    now = ctx.now()
    rows = []
    with use_locale(ctx.brand.default_locale):
        for d in due:
            if d.owner_rep_id is None:
                continue
            key = d.valid_until.isoformat() if d.valid_until else "never"
            title = (_("Verify the identity of %(ref)s again (valid until %(day)s)",
                       ref=d.ref, day=d.valid_until) if d.valid_until else
                     _("Verify the identity of %(ref)s (no passed verification)", ref=d.ref))
            rows.append(task_row(
                ctx, rule_key=f"kyc:refresh:{d.identity_id}:{key}", kind=REFRESH_KIND,
                title=title, due_at=now, rep_id=d.owner_rep_id, purpose="service",
                customer_id=d.customer_id))
    with ctx.write():
        return insert_tasks(ctx, rows)



def verified_birth_dates(ctx: Ctx, rep_ids: list[int]) -> dict[int, dt.date]:
    """``{rep_id: birth date}`` read from reps' identity documents that passed a
    verification (the most recently verified document wins)."""
    out: dict[int, dt.date] = {}
    if not rep_ids:
        return out
    rows = ctx.session.execute(
        select(Identity.rep_id, Identity.birth_date, func.max(Verification.verified_at))
        .join(Verification, Verification.identity_id == Identity.id)
        .where(Identity.brand_id == ctx.brand_id, Identity.rep_id.in_(rep_ids),
               Identity.birth_date.is_not(None), Verification.passed.is_(True))
        .group_by(Identity.rep_id, Identity.birth_date)
        .order_by(func.max(Verification.verified_at)))
    for rep_id, born, _at in rows:
        out[rep_id] = born
    return out
