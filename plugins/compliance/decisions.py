"""Decisions: refuse (or warn about) a rep activation or an order that breaks a rule.

A rule in ``block`` mode gives a blocking :class:`core.events.Problem` whose code is the
rule ID; in ``warn`` mode the same problem does not block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Row, select

from core.api import Ctx, OrderDraft, Problem, ProductDraft, Rep, _
from plugins.compliance.checks.base import local_date
from plugins.compliance.checks.reps import (
    certificate_valid,
    ineligibility_reasons,
    verified_birth_dates,
)
from plugins.compliance.rules import rule_in_force, rule_mode


def validate_rep_status(ctx: Ctx, rep_id: int, new_status: str,
                        effective_on: dt.date) -> list[Problem]:
    """DS1: a rep may become active only if eligible on ``effective_on``."""
    if new_status != "active":
        return []
    rule = rule_in_force(ctx, "DS1", effective_on)
    if rule is None:
        return []
    rep = ctx.session.get(Rep, rep_id)
    if rep is None or rep.brand_id != ctx.brand_id:
        return []
    birth = verified_birth_dates(ctx, [rep.id]).get(rep.id, rep.birth_date)
    reasons = ineligibility_reasons(birth, rep.occupation, effective_on, rule.parameters)
    if not reasons:
        return []
    excluded = rep.occupation in rule.parameters.get("excluded_occupations", ())
    field = "occupation" if excluded and len(reasons) == 1 else "birth_date"
    return [Problem(code="DS1", field=field, blocking=rule_mode(ctx, rule) == "block",
                    message=_("Rep %(ref)s cannot be activated (%(rule)s, %(title)s): "
                              "%(reasons)s.", ref=rep.rep_ref, rule="DS1",
                              title=_(rule.title), reasons="; ".join(reasons)))]


_REP_FACTS = "compliance.rep_facts"


def _rep_facts(ctx: Ctx, rep_id: int) -> Row[Any] | None:
    """The rep columns the order rules read, cached for the current transaction.

    An import asks about thousands of orders per batch for a few hundred reps: loading
    whole Rep rows would decrypt each rep's phone again for every order.
    """
    transaction = ctx.session.get_transaction()
    cached = ctx.session.info.get(_REP_FACTS)
    if cached is None or cached[0] is not transaction:
        cached = ctx.session.info[_REP_FACTS] = (transaction, {})
    facts: dict[int, Row[Any] | None] = cached[1]
    if rep_id not in facts:
        facts[rep_id] = ctx.session.execute(
            select(Rep.rep_ref, Rep.province, Rep.certificate_no, Rep.certificate_valid_from,
                   Rep.certificate_valid_until)
            .where(Rep.id == rep_id, Rep.brand_id == ctx.brand_id)).first()
    return facts[rep_id]


def validate_orders(ctx: Ctx, orders: Sequence[OrderDraft]) -> list[Problem]:
    """DS3 (certificate valid on the order date), DS4 (territory), DS6 (marked price), for
    a batch of orders (fields prefixed with the order's index in the batch)."""
    problems: list[Problem] = []
    for i, order in enumerate(orders):
        problems += [replace(p, field=f"{i}.{p.field}") for p in _order_problems(ctx, order)]
    return problems


def _order_problems(ctx: Ctx, order: OrderDraft) -> list[Problem]:
    day = local_date(ctx, order.ordered_at)
    problems: list[Problem] = []
    rep = _rep_facts(ctx, order.rep_id) if order.rep_id else None
    if rep is not None:
        rule = rule_in_force(ctx, "DS3", day)
        if rule is not None and not certificate_valid(
                rep.certificate_no, rep.certificate_valid_from, rep.certificate_valid_until,
                day):
            problems.append(Problem(
                code="DS3", field="rep_ref", blocking=rule_mode(ctx, rule) == "block",
                message=_("Rep %(ref)s has no valid certificate on %(date)s (%(rule)s, "
                          "%(title)s).", ref=rep.rep_ref, date=day.isoformat(), rule="DS3",
                          title=_(rule.title))))
        rule = rule_in_force(ctx, "DS4", day)
        if rule is not None and order.region and rep.province \
                and order.region != rep.province:
            problems.append(Problem(
                code="DS4", field="region", blocking=rule_mode(ctx, rule) == "block",
                message=_("Order region %(region)s is outside rep %(ref)s's province "
                          "%(province)s (%(rule)s, %(title)s).", region=order.region,
                          ref=rep.rep_ref, province=rep.province, rule="DS4",
                          title=_(rule.title))))
    rule = rule_in_force(ctx, "DS6", day)
    if rule is not None:
        for i, line in enumerate(order.lines):
            if line.unit_price != line.list_price:
                problems.append(Problem(
                    code="DS6", field=f"lines.{i}.unit_price",
                    blocking=rule_mode(ctx, rule) == "block",
                    message=_("Sku %(sku)s sold at %(price)s, list price %(list)s (%(rule)s, "
                              "%(title)s).", sku=line.sku, price=line.unit_price,
                              list=line.list_price, rule="DS6", title=_(rule.title))))
    return problems


def validate_products(ctx: Ctx, products: Sequence[ProductDraft]) -> list[Problem]:
    """DS10: an active product's category must be one of the permitted ones."""
    rule = rule_in_force(ctx, "DS10", ctx.local_today())
    if rule is None:
        return []
    allowed = list(rule.parameters.get("categories", ()))
    blocking = rule_mode(ctx, rule) == "block"
    return [Problem(code="DS10", field=f"{i}.category", blocking=blocking, message=_(
        "Category %(category)s of %(sku)s is not permitted for direct selling (%(rule)s, "
        "%(title)s); permitted: %(allowed)s.", category=p.category, sku=p.sku, rule="DS10",
        title=_(rule.title), allowed=", ".join(allowed)))
        for i, p in enumerate(products) if p.active and p.category not in allowed]
