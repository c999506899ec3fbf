"""The public pool (公海): recycling neglected leads and placing pooled ones again.

A tick job. An open lead (new or contacted) held by a rep drops to the pool when

- ``not_contacted``: nobody contacted it within ``leads.contact_within_days`` (3) of it being
  assigned to the rep (no contact since ``assigned_at``), or
- ``not_converted``: it was not converted within ``leads.convert_within_days`` (30) of it
  being assigned.

Then every lead in the pool is placed again by the brand's strategies, never back to the
rep it was last taken from; a lead no strategy can place stays in the pool for the next
sweep. On PostgreSQL the rows are locked (``FOR UPDATE SKIP LOCKED``), so two sweeps at
once never move a lead twice. Every move is a ``lead_assignments`` row (strategy ``pool``
for a drop, the placing strategy for a reassignment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update

from core.context import Ctx
from core.leads.assignment import assign_leads, last_owner_before_pool, record_moves
from core.leads.conversion import convert_leads
from core.leads.models import OPEN_LEAD_STATUSES, Lead, LeadStatus
from core.services.settings import get_setting

CHUNK = 500


@dataclass(frozen=True)
class RecycleResult:
    """Leads dropped to the pool (by reason) and pooled leads placed again."""

    not_contacted: int
    not_converted: int
    reassigned: int
    still_in_pool: int


def recycle(ctx: Ctx) -> RecycleResult:
    """Drop neglected leads to the pool and reassign the pool; one write transaction."""
    now = ctx.now()
    contact_by = now - dt.timedelta(days=int(get_setting(ctx, "leads.contact_within_days")))
    convert_by = now - dt.timedelta(days=int(get_setting(ctx, "leads.convert_within_days")))
    bid = ctx.brand_id
    with ctx.write() as session:
        convert_leads(ctx)  # a lead that did buy must not be recycled
        held = and_(Lead.brand_id == bid, Lead.status.in_(OPEN_LEAD_STATUSES),
                    Lead.rep_id.is_not(None), Lead.assigned_at.is_not(None))
        not_contacted = and_(Lead.assigned_at <= contact_by,
                             or_(Lead.last_contacted_at.is_(None),
                                 Lead.last_contacted_at < Lead.assigned_at))
        drops = session.execute(
            select(Lead.id, Lead.rep_id, not_contacted)
            .where(held, or_(not_contacted, Lead.assigned_at <= convert_by))
            .order_by(Lead.id).with_for_update(skip_locked=True)).all()
        ids = [lid for lid, _r, _nc in drops]
        for i in range(0, len(ids), CHUNK):
            session.execute(update(Lead).where(Lead.brand_id == bid,
                                               Lead.id.in_(ids[i:i + CHUNK]))
                            .values(status=LeadStatus.POOL.value, rep_id=None, pooled_at=now,
                                    updated_at=now)
                            .execution_options(synchronize_session=False))
        record_moves(ctx, [{"lead_id": lid, "from_rep_id": rid, "to_rep_id": None,
                            "strategy": "pool",
                            "reason": "not_contacted" if nc else "not_converted"}
                           for lid, rid, nc in drops])
        pooled = list(session.scalars(select(Lead.id).where(
            Lead.brand_id == bid, Lead.status == LeadStatus.POOL.value,
            Lead.rep_id.is_(None)).order_by(Lead.id).with_for_update(skip_locked=True)))
        placed = assign_leads(ctx, pooled, exclude=last_owner_before_pool(ctx, pooled))
    n_nc = sum(1 for _l, _r, nc in drops if nc)
    return RecycleResult(not_contacted=n_nc, not_converted=len(drops) - n_nc,
                         reassigned=len(placed), still_in_pool=len(pooled) - len(placed))


def recycle_leads(ctx: Ctx) -> int:
    """The scheduled job: recycle and reassign; returns the number of leads moved."""
    result = recycle(ctx)
    return result.not_contacted + result.not_converted + result.reassigned
