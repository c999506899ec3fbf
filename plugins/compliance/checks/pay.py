"""Rep pay: DS7 (pay ≤ 30% of the rep's own consumer sales) and PY1 (no pay on
recruiting or a downline's sales).

Pay = pay items contributed by modules (``crm_rep_pay_items``) + imported pay
(``compliance_rep_pay``, kind ``tax`` excluded: that is tax withheld, shown in the DS11
filing). Imported pay is declared computed on own sales by the brand that imports it.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from core.api import ComplianceResult, Ctx, Order, OrderStatus, PayItem, Rep, _
from plugins.compliance.checks.base import Check, Period, outcome
from plugins.compliance.models import ImportedRepPay
from plugins.compliance.rules import Rule

ZERO = Decimal("0.00")
TAX_KIND = "tax"
IMPORT_SOURCE = "import"
IMPORT_INPUTS = ("own_sales",)


@dataclass
class PaySource:
    """One pay rule as seen in the period: where it comes from and what it reads."""

    source: str
    kind: str
    inputs: tuple[str, ...]
    reps: set[int] = field(default_factory=set)
    amount: Decimal = ZERO


@dataclass
class PeriodPay:
    """Pay, tax and sources of every rep for one period."""

    pay: dict[int, Decimal]
    tax: dict[int, Decimal]
    sources: list[PaySource]


_RUN_CACHE: contextvars.ContextVar[dict[tuple[int, str], PeriodPay] | None] = \
    contextvars.ContextVar("compliance_pay_cache", default=None)


@contextmanager
def one_pay_collection() -> Iterator[None]:
    """Within the block, :func:`collect_pay` reads the data and calls the modules' hook
    once per brand and period (a report runs DS7, PY1 and DS11 on the same pay)."""
    token = _RUN_CACHE.set({})
    try:
        yield
    finally:
        _RUN_CACHE.reset(token)


def collect_pay(ctx: Ctx, period: Period) -> PeriodPay:
    """Gather the period's pay from the import table (one GROUP BY) and the hook."""
    cache = _RUN_CACHE.get()
    key = (ctx.brand_id, period.label)
    if cache is not None and key in cache:
        return cache[key]
    result = _collect_pay(ctx, period)
    if cache is not None:
        cache[key] = result
    return result


def _collect_pay(ctx: Ctx, period: Period) -> PeriodPay:
    pay: dict[int, Decimal] = defaultdict(lambda: ZERO)
    tax: dict[int, Decimal] = defaultdict(lambda: ZERO)
    sources: dict[tuple[str, str, tuple[str, ...]], PaySource] = {}
    rows = ctx.session.execute(
        select(ImportedRepPay.rep_id, ImportedRepPay.kind, func.sum(ImportedRepPay.amount))
        .where(ImportedRepPay.brand_id == ctx.brand_id, ImportedRepPay.period == period.label)
        .group_by(ImportedRepPay.rep_id, ImportedRepPay.kind))
    for rep_id, kind, amount in rows:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if kind == TAX_KIND:
            tax[rep_id] += amount
            continue
        pay[rep_id] += amount
        src = sources.setdefault((IMPORT_SOURCE, kind, IMPORT_INPUTS),
                                 PaySource(IMPORT_SOURCE, kind, IMPORT_INPUTS))
        src.reps.add(rep_id)
        src.amount += amount
    items: list[PayItem] = [item for batch in ctx.hooks.crm_rep_pay_items(
        ctx=ctx, period_start=period.start, period_end=period.end) if batch for item in batch]
    for item in items:
        pay[item.rep_id] += item.amount
        key = (item.source, item.kind, tuple(item.inputs))
        src = sources.setdefault(key, PaySource(*key))
        src.reps.add(item.rep_id)
        src.amount += item.amount
    return PeriodPay(pay=dict(pay), tax=dict(tax), sources=list(sources.values()))


def own_sales(ctx: Ctx, period: Period) -> dict[int, Decimal]:
    """Each rep's own consumer sales in the period: paid orders credited to them."""
    rows = ctx.session.execute(
        select(Order.rep_id, func.sum(Order.total_amount))
        .where(Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
               Order.rep_id.is_not(None), Order.ordered_at >= period.start_utc,
               Order.ordered_at < period.end_utc)
        .group_by(Order.rep_id))
    return {rep_id: Decimal(str(total)).quantize(Decimal("0.01")) for rep_id, total in rows}


def rep_names(ctx: Ctx, rep_ids: list[int]) -> dict[int, tuple[str, str]]:
    """``{rep_id: (rep_ref, name)}`` for the acting brand (chunked IN lists)."""
    out: dict[int, tuple[str, str]] = {}
    for i in range(0, len(rep_ids), 900):
        chunk = rep_ids[i:i + 900]
        out.update({rid: (ref, name) for rid, ref, name in ctx.session.execute(
            select(Rep.id, Rep.rep_ref, Rep.name).where(Rep.brand_id == ctx.brand_id,
                                                        Rep.id.in_(chunk)))})
    return out


def pay_ratio(pay: Decimal, sales: Decimal) -> float | None:
    """Pay ÷ own sales as a ratio for display (None when there were no sales)."""
    return float(pay / sales) if sales > 0 else None


def check_ds7(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Reps whose pay exceeds ``max_pay_ratio`` of their own sales (or who were paid
    without own sales)."""
    cap = Decimal(str(rule.parameters.get("max_pay_ratio", "0.30")))
    pay = collect_pay(ctx, period).pay
    sales = own_sales(ctx, period)
    paid = {rid: amount for rid, amount in pay.items() if amount > 0}
    breaches = sorted(rid for rid, amount in paid.items()
                      if amount > cap * sales.get(rid, ZERO))
    names = rep_names(ctx, breaches)
    records = [(names[rid][0], names[rid][1], paid[rid], sales.get(rid, ZERO),
                pay_ratio(paid[rid], sales.get(rid, ZERO))) for rid in breaches]
    ratios = [r for r in (pay_ratio(a, sales.get(rid, ZERO)) for rid, a in paid.items())
              if r is not None]
    figures = [(_("Reps paid"), len(paid)), (_("Total pay"), sum(paid.values(), ZERO)),
               (_("Highest ratio"), max(ratios) if ratios else 0.0), (_("Cap"), float(cap))]
    records.sort(key=lambda r: r[0])
    return outcome(ctx, rule, checked=len(paid), records=records, figures=figures, columns=(
        _("Rep"), _("Name"), _("Pay"), _("Own sales"), _("Ratio")))


def check_py1(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Pay sources whose inputs include a forbidden one (sponsor tree, recruit count...)."""
    forbidden = set(rule.parameters.get("forbidden_inputs", ()))
    sources = sorted(collect_pay(ctx, period).sources, key=lambda s: (s.source, s.kind))
    records = [(s.source, s.kind, ", ".join(s.inputs), ", ".join(sorted(forbidden &
                set(s.inputs))), len(s.reps), s.amount)
               for s in sources if forbidden & set(s.inputs)]
    figures = [(f"{s.source} / {s.kind}", ", ".join(s.inputs)) for s in sources]
    return outcome(ctx, rule, checked=len(sources), records=records, figures=figures,
                   columns=(_("Source"), _("Kind"), _("Inputs"), _("Forbidden inputs"),
                            _("Reps"), _("Amount")))


CHECKS: dict[str, Check] = {"DS7": check_ds7, "PY1": check_py1}
