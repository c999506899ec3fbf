"""Lead funnel: leads → contacted → first purchase → repeat, by channel or by rep.

A lead counts as *contacted* when a contact was logged or it converted; *first purchase*
when it converted; *repeat* when its customer has two or more paid orders. "By rep" is the
rep holding the lead now (``""`` for the pool). ``since``/``until`` filter on the local
date the lead was captured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, or_, select

from core.context import Ctx
from core.errors import ValidationFailed
from core.i18n import _
from core.leads.models import Lead, LeadStatus
from core.models import Order, OrderStatus, Rep
from core.tasks.rules import local_start_of_day

DIMENSIONS = ("channel", "rep")


@dataclass(frozen=True)
class FunnelRow:
    """One funnel line; ``conversion`` = converted ÷ leads in percent (one decimal)."""

    key: str
    leads: int
    contacted: int
    converted: int
    repeat: int

    @property
    def conversion(self) -> Decimal:
        if not self.leads:
            return Decimal("0.0")
        return (Decimal(self.converted) * 100 / Decimal(self.leads)).quantize(Decimal("0.1"))


def funnel(ctx: Ctx, by: str = "channel", since: dt.date | None = None,
           until: dt.date | None = None) -> list[FunnelRow]:
    """Funnel counts per channel or per rep, sorted by key."""
    if by not in DIMENSIONS:
        raise ValidationFailed({"by": [_("Must be one of: %(choices)s.",
                                         choices=", ".join(DIMENSIONS))]})
    bid = ctx.brand_id
    paid = (select(Order.customer_id, func.count(Order.id).label("n"))
            .where(Order.brand_id == bid, Order.status == OrderStatus.PAID)
            .group_by(Order.customer_id).subquery())
    converted = Lead.status == LeadStatus.CONVERTED.value
    key = Lead.channel if by == "channel" else func.coalesce(Rep.rep_ref, "")
    stmt = (select(key, func.count(Lead.id),
                   func.sum(case((or_(Lead.first_contacted_at.is_not(None), converted), 1),
                                 else_=0)),
                   func.sum(case((converted, 1), else_=0)),
                   func.sum(case(((converted & (paid.c.n >= 2)), 1), else_=0)))
            .select_from(Lead)
            .outerjoin(Rep, Rep.id == Lead.rep_id)
            .outerjoin(paid, paid.c.customer_id == Lead.customer_id)
            .where(Lead.brand_id == bid)
            .group_by(key))
    if since:
        stmt = stmt.where(Lead.created_at >= local_start_of_day(ctx, since))
    if until:
        stmt = stmt.where(Lead.created_at < local_start_of_day(ctx, until + dt.timedelta(days=1)))
    rows = [FunnelRow(key=str(getattr(k, "value", k)), leads=int(n), contacted=int(c or 0),
                      converted=int(v or 0), repeat=int(r or 0))
            for k, n, c, v, r in ctx.session.execute(stmt)]
    return sorted(rows, key=lambda r: r.key)
