"""Churn-risk signals (流失预警): named rules with brand-set thresholds.

Rules, checked as of a local day D for customers with at least one paid order placed
before the end of D (settings in the brand's ``churn_risk`` section):

``no_order``
    no paid order placed on the last ``no_order_days`` local days (default 90, D included).
``no_contact``
    no interaction (visit, call, message, note) on the last ``no_contact_days`` local days
    (default 30).
``satisfaction_down``
    the average satisfaction score of the last ``satisfaction_period_days`` (default 90)
    is more than ``satisfaction_drop_pct`` percent (default 20) below the score of the
    period of the same length just before: ``(previous − current) × 100 >
    previous × pct``. Scores come from the ``crm_customer_satisfaction`` hook; the rule
    abstains when no enabled module answers or a customer lacks either score.
``complaints_rising``
    the customer made at least ``complaints_rise`` (default 1) more complaints in the last
    ``complaints_period_days`` (default 90) than in the period before, from the
    ``crm_customer_complaint_counts`` hook (abstains when no module answers).

Each hook is called once per period for the whole batch of customers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.analytics.sql import day_start, paid_in
from core.context import Ctx
from core.i18n import _
from core.models import Customer, Interaction, Order
from core.services.scoping import get_by_id, get_by_ref, policy
from core.services.settings import configure_area, get_setting

SECTION = "churn_risk"


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """One rule that fired for a customer, with a translated explanation."""

    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class CustomerRisk:
    """A customer and the churn-risk rules that fired for them."""

    customer_id: int
    customer_ref: str
    last_order_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    flags: tuple[RiskFlag, ...]


def configure(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and store churn-risk settings for the brand (keys of the ``churn_risk``
    area in :mod:`core.settings_catalog`)."""
    return configure_area(ctx, SECTION, values)


def _cutoff(ctx: Ctx, as_of: dt.date, days: int) -> dt.datetime:
    """Start of the last ``days`` local days ending on ``as_of``."""
    return day_start(as_of - dt.timedelta(days=int(days) - 1), ctx.tz)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _merge(answers: Sequence[dict[int, Any] | None]) -> dict[int, Any] | None:
    """Merge hook answers (the first module's answer wins per customer); None if all
    abstained."""
    given = [a for a in answers if a is not None]
    if not given:
        return None
    out: dict[int, Any] = {}
    for answer in reversed(given):  # pluggy calls last-registered first; keep the first
        out.update(answer)
    return out


def assess(ctx: Ctx, as_of: dt.date | None = None, customer_ids: Sequence[int] | None = None
           ) -> list[CustomerRisk]:
    """Every purchasing customer (or those in ``customer_ids``) with their risk flags,
    by customer_ref. Flag-less customers are included."""
    as_of = as_of or ctx.local_today()
    end = day_start(as_of + dt.timedelta(days=1), ctx.tz)
    enabled = set(get_setting(ctx, "churn_risk.rules"))
    last_order = (select(Order.customer_id.label("cid"), func.max(Order.ordered_at).label("at"))
                  .where(paid_in(ctx, None, end)).group_by(Order.customer_id)
                  .subquery("last_order"))
    last_contact = (select(Interaction.customer_id.label("cid"),
                           func.max(Interaction.occurred_at).label("at"))
                    .where(Interaction.brand_id == ctx.brand_id, Interaction.occurred_at < end)
                    .group_by(Interaction.customer_id).subquery("last_contact"))
    stmt = (select(Customer.id, Customer.customer_ref, last_order.c.at.label("order_at"),
                   last_contact.c.at.label("contact_at"))
            .join(last_order, last_order.c.cid == Customer.id)
            .outerjoin(last_contact, last_contact.c.cid == Customer.id)
            .where(*policy(ctx, Customer), Customer.merged_into_id.is_(None))
            .order_by(Customer.customer_ref))
    if customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(list(customer_ids)))
    rows = ctx.session.execute(stmt).all()
    ids = [r.id for r in rows]
    order_cut = _cutoff(ctx, as_of, get_setting(ctx, "churn_risk.no_order_days"))
    contact_cut = _cutoff(ctx, as_of, get_setting(ctx, "churn_risk.no_contact_days"))
    sat = _two_periods(ctx, "crm_customer_satisfaction", ids, as_of,
                       get_setting(ctx, "churn_risk.satisfaction_period_days")) \
        if "satisfaction_down" in enabled and ids else None
    complaints = _two_periods(ctx, "crm_customer_complaint_counts", ids, as_of,
                              get_setting(ctx, "churn_risk.complaints_period_days")) \
        if "complaints_rising" in enabled and ids else None
    pct = Decimal(str(get_setting(ctx, "churn_risk.satisfaction_drop_pct")))
    rise = int(get_setting(ctx, "churn_risk.complaints_rise"))
    out = []
    for r in rows:
        order_at, contact_at = _aware(r.order_at), _aware(r.contact_at)
        flags: list[RiskFlag] = []
        if "no_order" in enabled and order_at is not None and order_at < order_cut:
            flags.append(RiskFlag("no_order", _("No order in the last %(days)s days.",
                                                days=get_setting(ctx, "churn_risk.no_order_days"))))
        if "no_contact" in enabled and (contact_at is None or contact_at < contact_cut):
            flags.append(RiskFlag("no_contact", _(
                "No contact in the last %(days)s days.",
                days=get_setting(ctx, "churn_risk.no_contact_days"))))
        if sat is not None:
            prev, cur = sat[0].get(r.id), sat[1].get(r.id)
            if prev is not None and cur is not None and prev > 0 and \
                    (Decimal(prev) - Decimal(cur)) * 100 > Decimal(prev) * pct:
                flags.append(RiskFlag("satisfaction_down", _(
                    "Satisfaction fell from %(previous)s to %(current)s (more than "
                    "%(pct)s%%).", previous=prev, current=cur, pct=pct)))
        if complaints is not None:
            prev_n, cur_n = complaints[0].get(r.id, 0), complaints[1].get(r.id, 0)
            if cur_n - prev_n >= rise:
                flags.append(RiskFlag("complaints_rising", _(
                    "Complaints rose from %(previous)s to %(current)s.",
                    previous=prev_n, current=cur_n)))
        out.append(CustomerRisk(r.id, r.customer_ref, order_at, contact_at, tuple(flags)))
    return out


def _two_periods(ctx: Ctx, hook: str, ids: list[int], as_of: dt.date, days: int
                 ) -> tuple[dict[int, Any], dict[int, Any]] | None:
    """The hook's answers for the previous and the current period, or None (abstained)."""
    current_start = _cutoff(ctx, as_of, days)
    previous_start = _cutoff(ctx, as_of - dt.timedelta(days=int(days)), days)
    end = day_start(as_of + dt.timedelta(days=1), ctx.tz)
    caller = getattr(ctx.hooks, hook)
    previous = _merge(caller(ctx=ctx, customer_ids=ids, since=previous_start,
                             until=current_start))
    current = _merge(caller(ctx=ctx, customer_ids=ids, since=current_start, until=end))
    if previous is None and current is None:
        return None
    return previous or {}, current or {}


def at_risk_customers(ctx: Ctx, as_of: dt.date | None = None) -> list[CustomerRisk]:
    """Purchasing customers with at least one risk flag, by customer_ref."""
    return [r for r in assess(ctx, as_of) if r.flags]


def customer_risk_flags(ctx: Ctx, customer: str | int, as_of: dt.date | None = None
                        ) -> list[RiskFlag]:
    """The risk flags of one customer, given by customer_ref or id (for the customer
    page); [] for a prospect. Another brand's customer is NotFound."""
    row = (get_by_id(ctx, Customer, customer) if isinstance(customer, int)
           else get_by_ref(ctx, Customer, customer))
    found = assess(ctx, as_of, [row.id])
    return list(found[0].flags) if found else []
