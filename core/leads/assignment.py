"""Lead assignment strategies, combinable per brand, and the move history.

The brand setting ``leads.strategies`` lists the strategies tried in order for each lead;
the first one that names a rep wins (default ``referral, score, territory,
round_robin``). Only active reps receive leads. "Load" is the number of open leads (new or
contacted) a rep holds, counting those given in the same batch.

- ``referral``: a lead referred by a customer goes to that customer's rep.
- ``score``: a lead scoring at least ``leads.score_threshold`` (80) goes to one of the
  ``leads.top_reps`` (3) reps with the best conversion rate in the lead's channel
  (converted ÷ leads of that channel they hold or held to the end), the least loaded of
  them (ties: higher rate, then lower rep_ref). Reps without a lead in the channel have no
  rate; with no rates at all the next strategy decides.
- ``territory``: a lead's province matches a rep's territory or province: the least
  loaded of those reps (ties: lower rep_ref).
- ``round_robin``: among reps with spare customer capacity (capacity minus customers held),
  the least loaded (ties: lower rep_ref) — with equal loads this takes the reps in turn.

A lead no strategy can place goes to (or stays in) the pool. Each move is a
``lead_assignments`` row naming the strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, insert, select, update

from core.context import Ctx
from core.errors import DomainError
from core.i18n import _
from core.leads.models import OPEN_LEAD_STATUSES, Lead, LeadAssignment, LeadStatus
from core.models import Customer, Rep, RepStatus
from core.services.scoping import get_by_ref
from core.services.settings import get_setting

CHUNK = 500


@dataclass
class _Rep:
    id: int
    ref: str
    areas: set[str]
    spare: int
    load: int
    rates: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LeadInfo:
    """What the strategies read from a lead."""

    id: int
    channel: str
    score: int
    province: str | None
    referrer_rep_id: int | None


def _reps(ctx: Ctx) -> dict[int, _Rep]:
    bid = ctx.brand_id
    rows = ctx.session.execute(select(Rep.id, Rep.rep_ref, Rep.province, Rep.territory,
                                      Rep.capacity)
                               .where(Rep.brand_id == bid, Rep.status == RepStatus.ACTIVE)).all()
    customers = dict(ctx.session.execute(
        select(Customer.rep_id, func.count(Customer.id))
        .where(Customer.brand_id == bid, Customer.merged_into_id.is_(None),
               Customer.rep_id.is_not(None)).group_by(Customer.rep_id)).all())
    load = dict(ctx.session.execute(
        select(Lead.rep_id, func.count(Lead.id))
        .where(Lead.brand_id == bid, Lead.status.in_(OPEN_LEAD_STATUSES),
               Lead.rep_id.is_not(None)).group_by(Lead.rep_id)).all())
    default = int(get_setting(ctx, "reps.default_capacity"))
    reps = {rid: _Rep(id=rid, ref=ref, areas={a for a in (prov, terr) if a},
                      spare=(cap if cap is not None else default) - customers.get(rid, 0),
                      load=load.get(rid, 0))
            for rid, ref, prov, terr, cap in rows}
    converted = func.sum(case((Lead.status == LeadStatus.CONVERTED.value, 1), else_=0))
    for rid, channel, total, won in ctx.session.execute(
            select(Lead.rep_id, Lead.channel, func.count(Lead.id), converted)
            .where(Lead.brand_id == bid, Lead.rep_id.is_not(None))
            .group_by(Lead.rep_id, Lead.channel)):
        if rid in reps and total:
            reps[rid].rates[str(channel.value if hasattr(channel, "value") else channel)] = \
                int(won or 0) / int(total)
    return reps


def _least_loaded(reps: Sequence[_Rep]) -> _Rep | None:
    return min(reps, key=lambda r: (r.load, r.ref)) if reps else None


def _by_referral(ctx: Ctx, lead: LeadInfo, reps: Sequence[_Rep]) -> _Rep | None:
    return next((r for r in reps if r.id == lead.referrer_rep_id), None)


def _by_score(ctx: Ctx, lead: LeadInfo, reps: Sequence[_Rep]) -> _Rep | None:
    if lead.score < int(get_setting(ctx, "leads.score_threshold")):
        return None
    rated = sorted((r for r in reps if lead.channel in r.rates),
                   key=lambda r: (-r.rates[lead.channel], r.ref))
    top = rated[:int(get_setting(ctx, "leads.top_reps"))]
    return min(top, key=lambda r: (r.load, -r.rates[lead.channel], r.ref)) if top else None


def _by_territory(ctx: Ctx, lead: LeadInfo, reps: Sequence[_Rep]) -> _Rep | None:
    if not lead.province:
        return None
    return _least_loaded([r for r in reps if lead.province in r.areas])


def _round_robin(ctx: Ctx, lead: LeadInfo, reps: Sequence[_Rep]) -> _Rep | None:
    return _least_loaded([r for r in reps if r.spare > 0])


STRATEGIES = {"referral": _by_referral, "score": _by_score, "territory": _by_territory,
              "round_robin": _round_robin}


def strategies(ctx: Ctx) -> list[str]:
    """The brand's strategy order (unknown names are ignored)."""
    names = get_setting(ctx, "leads.strategies")
    return [n for n in names if n in STRATEGIES]


def record_moves(ctx: Ctx, moves: Sequence[dict[str, Any]]) -> None:
    """Append ``lead_assignments`` rows (``lead_id, from_rep_id, to_rep_id, strategy,
    reason``)."""
    now = ctx.now()
    rows = [{"brand_id": ctx.brand_id, "assigned_at": now, "assigned_by": ctx.user,
             "reason": None, **m} for m in moves]
    for i in range(0, len(rows), CHUNK):
        ctx.session.execute(insert(LeadAssignment.__table__), rows[i:i + CHUNK])


def assign_leads(ctx: Ctx, lead_ids: Sequence[int],
                 exclude: dict[int, int | None] | None = None) -> dict[int, tuple[int, str]]:
    """Place unowned leads with the brand's strategies; returns ``{lead_id: (rep_id,
    strategy)}`` for those placed (the others stay in the pool). ``exclude`` maps a lead to
    a rep who must not get it back (the owner it was recycled from). Inside a write."""
    if not lead_ids:
        return {}
    exclude = exclude or {}
    reps = _reps(ctx)
    order = strategies(ctx)
    bid = ctx.brand_id
    leads: list[tuple[LeadInfo, int]] = []
    for i in range(0, len(lead_ids), CHUNK):
        for lid, channel, score, province, ref_rep, contacts in ctx.session.execute(
                select(Lead.id, Lead.channel, Lead.score, Lead.province, Customer.rep_id,
                       Lead.contacts_count)
                .outerjoin(Customer, Customer.id == Lead.referrer_customer_id)
                .where(Lead.brand_id == bid, Lead.id.in_(list(lead_ids[i:i + CHUNK])),
                       Lead.rep_id.is_(None))):
            leads.append((LeadInfo(id=lid, channel=str(getattr(channel, "value", channel)),
                                   score=score, province=province, referrer_rep_id=ref_rep),
                          contacts))
    leads.sort(key=lambda pair: pair[0].id)
    placed: dict[int, tuple[int, str]] = {}
    status: dict[int, str] = {}
    for lead, contacts in leads:
        candidates = [r for r in reps.values() if r.id != exclude.get(lead.id)]
        for name in order:
            rep = STRATEGIES[name](ctx, lead, candidates)
            if rep is not None:
                placed[lead.id] = (rep.id, name)
                status[lead.id] = (LeadStatus.CONTACTED if contacts else LeadStatus.NEW).value
                rep.load += 1
                break
    now = ctx.now()
    groups: dict[tuple[int, str], list[int]] = {}
    for lid, (rid, _s) in placed.items():
        groups.setdefault((rid, status[lid]), []).append(lid)
    for (rid, st), ids in groups.items():
        for i in range(0, len(ids), CHUNK):
            ctx.session.execute(update(Lead).where(Lead.brand_id == bid,
                                                   Lead.id.in_(ids[i:i + CHUNK]))
                                .values(rep_id=rid, status=st, assigned_at=now, updated_at=now)
                                .execution_options(synchronize_session=False))
    unplaced = [lead.id for lead, _c in leads if lead.id not in placed]
    for i in range(0, len(unplaced), CHUNK):
        ctx.session.execute(update(Lead).where(Lead.brand_id == bid,
                                               Lead.id.in_(unplaced[i:i + CHUNK]),
                                               Lead.status != LeadStatus.POOL.value)
                            .values(status=LeadStatus.POOL.value, pooled_at=now,
                                    updated_at=now)
                            .execution_options(synchronize_session=False))
    record_moves(ctx, [{"lead_id": lid, "from_rep_id": None, "to_rep_id": rid,
                        "strategy": name} for lid, (rid, name) in sorted(placed.items())])
    return placed


def move_lead(ctx: Ctx, lead_ref: str, to_rep_ref: str | None, reason: str | None = None
              ) -> Lead:
    """A manager moves a lead to a rep (or to the pool with ``to_rep_ref`` None)."""
    with ctx.write() as session:
        lead = session.scalar(select(Lead).where(Lead.brand_id == ctx.brand_id,
                                                 Lead.lead_ref == lead_ref))
        if lead is None:
            from core.errors import NotFound

            raise NotFound(_("No lead with reference %(ref)s.", ref=lead_ref))
        if lead.status in (LeadStatus.CONVERTED, LeadStatus.LOST):
            raise DomainError(_("Lead %(ref)s is %(status)s and cannot be moved.",
                                ref=lead_ref, status=lead.status.value), code="bad_status")
        target = get_by_ref(ctx, Rep, to_rep_ref) if to_rep_ref else None
        if target is not None and target.status != RepStatus.ACTIVE:
            raise DomainError(_("Rep %(ref)s is %(status)s; only active reps can take over "
                                "customers.", ref=target.rep_ref, status=target.status.value),
                              code="inactive_rep")
        old = lead.rep_id
        now = ctx.now()
        lead.rep_id = target.id if target else None
        if target is None:
            lead.status, lead.pooled_at = LeadStatus.POOL, now
        else:
            lead.status = LeadStatus.CONTACTED if lead.contacts_count else LeadStatus.NEW
            lead.assigned_at = now
        lead.updated_at = now
        session.flush()
        record_moves(ctx, [{"lead_id": lead.id, "from_rep_id": old,
                            "to_rep_id": lead.rep_id, "strategy": "manual",
                            "reason": reason}])
    return lead


def last_owner_before_pool(ctx: Ctx, lead_ids: Sequence[int]) -> dict[int, int | None]:
    """For pooled leads: the rep each one was last taken from (to avoid handing it back)."""
    latest = (select(LeadAssignment.lead_id, func.max(LeadAssignment.id).label("last"))
              .where(LeadAssignment.brand_id == ctx.brand_id,
                     LeadAssignment.lead_id.in_(list(lead_ids)),
                     LeadAssignment.to_rep_id.is_(None))
              .group_by(LeadAssignment.lead_id).subquery())
    return dict(ctx.session.execute(
        select(LeadAssignment.lead_id, LeadAssignment.from_rep_id)
        .join(latest, latest.c.last == LeadAssignment.id)).all())

