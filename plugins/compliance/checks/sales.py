"""Sales rules: marked price (DS6), permitted categories (DS10), deposit (DS12)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select

from core.api import (
    ComplianceResult,
    Ctx,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Return,
    _,
    get_setting,
)
from plugins.compliance.checks.base import Check, Period, local_date, outcome
from plugins.compliance.rules import SETTINGS_SECTION, Rule

ZERO = Decimal("0.00")


def check_ds6(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Order lines sold at a price other than the catalogue price."""
    tolerance = Decimal(str(rule.parameters.get("tolerance", "0.00")))
    base = (select(Order.order_ref, Order.ordered_at, Product.sku, OrderLine.quantity,
                   OrderLine.unit_price, Product.list_price)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Order.brand_id == ctx.brand_id, OrderLine.brand_id == ctx.brand_id,
                   Order.ordered_at >= period.start_utc, Order.ordered_at < period.end_utc,
                   Order.status != OrderStatus.CANCELLED))
    checked = ctx.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = ctx.session.execute(base.where(OrderLine.unit_price != Product.list_price)
                               .order_by(Order.ordered_at, Order.order_ref, Product.sku))
    records = [(ref, local_date(ctx, at), sku, qty, unit, listed, unit - listed)
               for ref, at, sku, qty, unit, listed in rows if abs(unit - listed) > tolerance]
    return outcome(ctx, rule, checked=checked, records=records, columns=(
        _("Order"), _("Order date"), _("SKU"), _("Quantity"), _("Unit price"),
        _("List price"), _("Deviation")))


def check_ds10(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Active products whose category is outside the permitted list."""
    allowed = list(rule.parameters.get("categories", ()))
    active = [Product.brand_id == ctx.brand_id, Product.active.is_(True)]
    checked = ctx.session.scalar(select(func.count()).select_from(Product).where(*active)) or 0
    rows = ctx.session.execute(select(Product.sku, Product.name, Product.category)
                               .where(*active, Product.category.not_in(allowed))
                               .order_by(Product.sku))
    return outcome(ctx, rule, checked=checked, records=[tuple(r) for r in rows], columns=(
        _("SKU"), _("Product"), _("Category")))


def period_revenue(ctx: Ctx, period: Period) -> Decimal:
    """Direct-selling revenue of the period: paid orders placed in it, less refunds paid
    in it."""
    sales = ctx.session.scalar(select(func.sum(Order.total_amount)).where(
        Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
        Order.ordered_at >= period.start_utc, Order.ordered_at < period.end_utc)) or ZERO
    refunds = ctx.session.scalar(select(func.sum(Return.amount)).where(
        Return.brand_id == ctx.brand_id, Return.refunded_at >= period.start_utc,
        Return.refunded_at < period.end_utc)) or ZERO
    return Decimal(sales) - Decimal(refunds)


def required_deposit(revenue: Decimal, params: dict[str, object]) -> Decimal:
    """DS12: ``rate`` × revenue, clamped to [minimum, maximum]."""
    rate = Decimal(str(params.get("rate", "0.15")))
    low = Decimal(str(params.get("minimum", "20000000.00")))
    high = Decimal(str(params.get("maximum", "100000000.00")))
    return min(max((rate * revenue).quantize(Decimal("0.01")), low), high)


def check_ds12(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """The deposit required for the month after the period, against the deposit held."""
    revenue = period_revenue(ctx, period)
    required = required_deposit(revenue, rule.parameters)
    held_raw = get_setting(ctx, f"{SETTINGS_SECTION}.deposit_held")
    held = Decimal(str(held_raw)) if held_raw is not None else None
    figures = [(_("Revenue of the period"), revenue), (_("Required deposit"), required),
               (_("Deposit held"), held if held is not None else _("not recorded"))]
    records = []
    if held is None:
        records.append((_("Deposit held is not recorded (directcrm compliance "
                          "set-deposit)."), required, None))
    elif held < required:
        records.append((_("Deposit held is below the required amount."), required, held))
    result = outcome(ctx, rule, checked=1, records=records, figures=figures, columns=(
        _("Finding"), _("Required deposit"), _("Deposit held")))
    if held is None and records:
        # Missing data is a warning to fill in, not a proven breach.
        result = replace(result, status="warn")
    return result


CHECKS: dict[str, Check] = {"DS6": check_ds6, "DS10": check_ds10, "DS12": check_ds12}
