"""Leads: capture (one by one or a cleaned list), contacts, loss, conversion to a customer.

Cleaning, for every channel and required before a purchased list counts: the phone is
normalised (``+86 138-0013-8000`` = ``13800138000``) and must then be 6 to 15 digits;
a row whose phone already belongs to a live customer or to another lead of the brand, or
repeats an earlier row of the same file, is skipped with its reason; a purchased-list row
without a phone is skipped (there is no way to reach it). New leads are then placed by the
brand's assignment strategies (:mod:`core.leads.assignment`). A lead captured without a
score gets one from :mod:`core.leads.scoring`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from core.context import Ctx
from core.crypto import normalize_phone, phone_hash
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import _
from core.leads.assignment import assign_leads
from core.leads.models import Lead, LeadChannel, LeadContact, LeadStatus
from core.leads.schemas import LeadContactSchema, LeadSchema
from core.leads.scoring import after_contact, capture_score
from core.models import Customer, Rep
from core.schemas import load_or_raise
from core.services.customers import create_customer
from core.services.scoping import get_by_ref, ref_map, scoped

_PHONE_OK = re.compile(r"^(00)?\d{6,15}$")
CHUNK = 500


@dataclass
class ImportReport:
    """Outcome of a lead import: created refs, and skipped rows (1-based) with reasons."""

    created: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, reason)
    placed: int = 0


def get_lead(ctx: Ctx, lead_ref: str) -> Lead:
    """The brand's lead with this reference, or NotFound."""
    lead = ctx.session.scalar(scoped(ctx, Lead).where(Lead.lead_ref == lead_ref))
    if lead is None:  # unknown, another brand's, or (for a rep user) another rep's
        raise NotFound(_("No lead with reference %(ref)s.", ref=lead_ref))
    return lead


def _hashes_in(ctx: Ctx, model: Any, hashes: set[str]) -> set[str]:
    out: set[str] = set()
    ordered = sorted(hashes)
    for i in range(0, len(ordered), CHUNK):
        stmt = select(model.phone_hash).where(model.brand_id == ctx.brand_id,
                                              model.phone_hash.in_(ordered[i:i + CHUNK]))
        if model is Customer:
            stmt = stmt.where(Customer.merged_into_id.is_(None))
        out.update(ctx.session.scalars(stmt))
    return out


def import_leads(ctx: Ctx, rows: Sequence[Mapping[str, Any]], channel: str | None = None,
                 assign: bool = True) -> ImportReport:
    """Clean and insert leads in one transaction (Core inserts), then place them.

    ``channel`` fills rows that do not name one (e.g. ``purchased_list`` for a bought file).
    Invalid rows are reported, not fatal; nothing is written if the batch fails.
    """
    report = ImportReport()
    schema = LeadSchema(tz=ctx.tz)
    candidates: list[tuple[int, dict[str, Any]]] = []
    for n, raw in enumerate(rows, start=1):
        data = {k: v for k, v in raw.items() if v not in (None, "")}
        if channel and not data.get("channel"):
            data["channel"] = channel
        try:
            values = load_or_raise(schema, data)
        except ValidationFailed as exc:
            for fld, msgs in exc.errors.items():
                report.skipped.append((n, fld, " ".join(msgs)))
            continue
        phone = values.get("phone")
        if phone is not None:
            phone = normalize_phone(phone)
            if not _PHONE_OK.match(phone):
                report.skipped.append((n, "phone", _("Not a valid phone number.")))
                continue
            values["phone"] = phone
        elif values["channel"] == LeadChannel.PURCHASED_LIST.value:
            report.skipped.append((n, "phone", _("A purchased-list lead needs a phone.")))
            continue
        candidates.append((n, values))
    with ctx.write() as session:
        hashes = {phone_hash(v["phone"]) for _n, v in candidates if v.get("phone")}
        customer_hashes = _hashes_in(ctx, Customer, hashes)
        lead_hashes = _hashes_in(ctx, Lead, hashes)
        existing_refs = set(session.scalars(select(Lead.lead_ref).where(
            Lead.brand_id == ctx.brand_id,
            Lead.lead_ref.in_([v["lead_ref"] for _n, v in candidates]))))
        referrers = ref_map(ctx, Customer, {v["referrer_customer_ref"] for _n, v in candidates
                                            if v.get("referrer_customer_ref")})
        now = ctx.now()
        inserts: list[dict[str, Any]] = []
        for n, v in candidates:
            h = phone_hash(v.get("phone"))
            if v["lead_ref"] in existing_refs:
                report.skipped.append((n, "lead_ref", _("A lead with this reference exists.")))
                continue
            if h and h in customer_hashes:
                report.skipped.append((n, "phone", _("Already a customer.")))
                continue
            if h and h in lead_hashes:
                report.skipped.append((n, "phone", _("Already a lead.")))
                continue
            ref = v.pop("referrer_customer_ref", None)
            if ref and ref not in referrers:
                report.skipped.append((n, "referrer_customer_ref",
                                       _("No customer with reference %(ref)s.", ref=ref)))
                continue
            existing_refs.add(v["lead_ref"])
            if h:
                lead_hashes.add(h)
            inserts.append({"brand_id": ctx.brand_id, "lead_ref": v["lead_ref"],
                            "name": v["name"], "phone": v.get("phone"), "phone_hash": h,
                            "province": v.get("province"), "channel": v["channel"],
                            "score": v["score"] if v.get("score") is not None else
                            capture_score(ctx, v["channel"], bool(v.get("phone")),
                                          bool(v.get("province"))),
                            "status": LeadStatus.POOL.value,
                            "rep_id": None, "referrer_customer_id": referrers.get(ref or ""),
                            "customer_id": None, "contacts_count": 0, "note": v.get("note"),
                            "pooled_at": now, "created_at": now, "updated_at": now})
        for i in range(0, len(inserts), CHUNK):
            session.execute(insert(Lead.__table__), inserts[i:i + CHUNK])
        report.created = [r["lead_ref"] for r in inserts]
        if assign and inserts:
            ids = list(session.scalars(select(Lead.id).where(
                Lead.brand_id == ctx.brand_id, Lead.lead_ref.in_(report.created))))
            report.placed = len(assign_leads(ctx, ids))
    return report


def create_lead(ctx: Ctx, data: Mapping[str, Any], assign: bool = True) -> Lead:
    """Capture one lead (cleaned like an import, but errors are raised) and place it."""
    report = import_leads(ctx, [data], assign=assign)
    if report.skipped:
        errors: dict[str, list[str]] = {}
        for _n, fld, reason in report.skipped:
            errors.setdefault(fld, []).append(reason)
        raise ValidationFailed(errors)
    return get_lead(ctx, report.created[0])


def log_contact(ctx: Ctx, lead_ref: str, data: Mapping[str, Any] | None = None) -> LeadContact:
    """Record a contact with a lead; a new lead becomes ``contacted``."""
    values = load_or_raise(LeadContactSchema(tz=ctx.tz), data or {})
    with ctx.write() as session:
        lead = get_lead(ctx, lead_ref)
        if lead.status in (LeadStatus.POOL, LeadStatus.LOST):
            raise DomainError(_("Lead %(ref)s is %(status)s: assign it before contacting it.",
                                ref=lead_ref, status=lead.status.value), code="bad_status")
        rep_id = get_by_ref(ctx, Rep, values["rep_ref"], field="rep_ref").id \
            if values.get("rep_ref") \
            else lead.rep_id
        at = values.get("occurred_at") or ctx.now()
        contact = LeadContact(brand_id=ctx.brand_id, lead_id=lead.id, rep_id=rep_id,
                              kind=values["kind"], occurred_at=at,
                              summary=values.get("summary"), created_by=ctx.user)
        session.add(contact)
        lead.score = after_contact(lead.score, lead.contacts_count)
        lead.contacts_count += 1
        lead.first_contacted_at = min(lead.first_contacted_at or at, at)
        lead.last_contacted_at = max(lead.last_contacted_at or at, at)
        if lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.CONTACTED
        lead.updated_at = ctx.now()
        session.flush()
    return contact


def mark_lost(ctx: Ctx, lead_ref: str, reason: str | None = None) -> Lead:
    """Close a lead that will not buy (kept for the funnel)."""
    with ctx.write():
        lead = get_lead(ctx, lead_ref)
        if lead.status == LeadStatus.CONVERTED:
            raise DomainError(_("Lead %(ref)s is converted already.", ref=lead_ref),
                              code="bad_status")
        lead.status = LeadStatus.LOST
        lead.note = "\n".join(x for x in (lead.note, reason) if x) or None
        lead.updated_at = ctx.now()
    return lead


def create_customer_from_lead(ctx: Ctx, lead_ref: str, customer_ref: str,
                              extra: Mapping[str, Any] | None = None) -> Customer:
    """Make the lead a customer (owned by the lead's rep, source = the lead's channel) and
    link them. The lead counts as converted on the customer's first paid order."""
    with ctx.write() as session:
        lead = get_lead(ctx, lead_ref)
        if lead.customer_id is not None:
            raise DomainError(_("Lead %(ref)s is already linked to a customer.", ref=lead_ref),
                              code="duplicate")
        rep_ref = session.get(Rep, lead.rep_id).rep_ref if lead.rep_id else None
        data = {"customer_ref": customer_ref, "name": lead.name,
                "source_channel": lead.channel.value, **(extra or {})}
        if lead.phone:
            data.setdefault("phone", lead.phone)
        if rep_ref:
            data.setdefault("rep_ref", rep_ref)
        customer = create_customer(ctx, data)
        lead.customer_id = customer.id
        lead.updated_at = ctx.now()
        session.flush()
    return customer
