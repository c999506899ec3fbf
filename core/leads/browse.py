"""Reading leads for the screens and the API: a filtered list and one lead's history.

Brand-scoped; a rep user (``ctx.rep_scope_id``) sees only the leads they hold now, and
another rep's or brand's lead is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.context import Ctx
from core.errors import NotFound
from core.i18n import _
from core.leads.models import Lead, LeadAssignment, LeadChannel, LeadContact, LeadStatus
from core.models import Rep
from core.services.browse import SORTS, Page, paginate, sorted_by
from core.services.scoping import scoped

# The columns the leads list may be sorted by (``sort=score``, ``sort=-captured``).
SORTS["leads"] = {"name": Lead.name, "ref": Lead.lead_ref, "channel": Lead.channel,
                  "status": Lead.status, "score": Lead.score,
                  "contacts": Lead.contacts_count, "captured": Lead.created_at}


@dataclass(frozen=True)
class LeadHistory:
    """A lead with its contacts (newest first) and assignment moves (oldest first).

    ``contacts`` rows: (LeadContact, rep_ref or None); ``moves`` rows: (LeadAssignment,
    from rep_ref or None, to rep_ref or None)."""

    lead: Lead
    rep_ref: str | None
    contacts: list[tuple[LeadContact, str | None]]
    moves: list[tuple[LeadAssignment, str | None, str | None]]


def search_leads(ctx: Ctx, q: str | None = None, status: str | None = None,
                 channel: str | None = None, rep_ref: str | None = None, page: int = 1,
                 per_page: int = 25, sort: str | None = None) -> Page[Lead]:
    """Leads by name or ref, filtered by status, channel and owning rep (``-`` = the pool);
    newest first, or by ``sort`` (a key of ``SORTS["leads"]``, ``-`` for descending).
    Unknown filter values match nothing."""
    stmt = scoped(ctx, Lead)
    if q:
        like = "%" + q.replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(Lead.name.ilike(like, escape="\\") | Lead.lead_ref.ilike(
            like, escape="\\"))
    if status:
        stmt = stmt.where(Lead.status == LeadStatus(status)
                          if status in LeadStatus._value2member_map_ else Lead.id.is_(None))
    if channel:
        stmt = stmt.where(Lead.channel == LeadChannel(channel)
                          if channel in LeadChannel._value2member_map_ else Lead.id.is_(None))
    if rep_ref == "-":
        stmt = stmt.where(Lead.rep_id.is_(None))
    elif rep_ref:
        rep_id = ctx.session.scalar(select(Rep.id).where(Rep.brand_id == ctx.brand_id,
                                                         Rep.rep_ref == rep_ref))
        stmt = stmt.where(Lead.rep_id == (rep_id or -1))
    return paginate(ctx, sorted_by(stmt, "leads", sort, (Lead.created_at.desc(), Lead.id.desc()),
                                   Lead.id), page, per_page)


def lead_history(ctx: Ctx, lead_ref: str) -> LeadHistory:
    """One lead with its contacts and assignment history (NotFound outside the scope)."""
    lead = ctx.session.scalar(scoped(ctx, Lead).where(Lead.lead_ref == lead_ref))
    if lead is None:
        raise NotFound(_("No lead with reference %(ref)s.", ref=lead_ref))
    rep_ref = ctx.session.scalar(select(Rep.rep_ref).where(Rep.id == lead.rep_id)) \
        if lead.rep_id else None
    contacts = [(c, r) for c, r in ctx.session.execute(
        select(LeadContact, Rep.rep_ref).outerjoin(Rep, Rep.id == LeadContact.rep_id)
        .where(LeadContact.brand_id == ctx.brand_id, LeadContact.lead_id == lead.id)
        .order_by(LeadContact.occurred_at.desc(), LeadContact.id.desc()))]
    src, dst = aliased(Rep), aliased(Rep)
    moves = [(a, f, t) for a, f, t in ctx.session.execute(
        select(LeadAssignment, src.rep_ref, dst.rep_ref)
        .outerjoin(src, src.id == LeadAssignment.from_rep_id)
        .outerjoin(dst, dst.id == LeadAssignment.to_rep_id)
        .where(LeadAssignment.brand_id == ctx.brand_id, LeadAssignment.lead_id == lead.id)
        .order_by(LeadAssignment.assigned_at, LeadAssignment.id))]
    return LeadHistory(lead=lead, rep_ref=rep_ref, contacts=contacts, moves=moves)


def rep_refs(ctx: Ctx, rep_ids: set[int]) -> dict[int, str]:
    """rep id → rep_ref for the brand's reps in ``rep_ids`` (one query)."""
    if not rep_ids:
        return {}
    return dict(ctx.session.execute(select(Rep.id, Rep.rep_ref).where(
        Rep.brand_id == ctx.brand_id, Rep.id.in_(rep_ids))).all())
