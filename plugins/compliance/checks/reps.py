"""Rep rules: eligibility (DS1), certificates (DS3), territory (DS4), exit dates (DS5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, not_, or_, select

from core.api import ComplianceResult, Ctx, Order, OrderStatus, Rep, RepStatus, RepStatusChange, _
from plugins.compliance.checks.base import Check, Period, local_date, outcome, years_before
from plugins.compliance.rules import Rule

# -- shared with the decision hooks --------------------------------------------------------


def N_(message: str) -> str:  # noqa: N802 - mark for extraction, translated when shown
    return message


# The excluded groups of DSR art. 15, by the occupation code stored on the rep.
EXCLUDED_GROUPS = {
    "no_civil_capacity": N_("without full civil capacity"),
    "student": N_("full-time student"),
    "teacher": N_("teacher"),
    "medical_staff": N_("medical staff"),
    "civil_servant": N_("civil servant"),
    "military": N_("active military"),
    "brand_employee": N_("employee of the brand"),
    "foreign_resident": N_("foreign resident"),
}


def ineligibility_reasons(birth_date: dt.date | None, occupation: str | None, on: dt.date,
                          params: dict[str, Any]) -> list[str]:
    """Why a rep may not be active on ``on`` under DS1 (empty list: eligible)."""
    reasons = []
    min_age = int(params.get("min_age", 18))
    if birth_date is None:
        reasons.append(_("birth date missing"))
    elif birth_date > years_before(on, min_age):
        reasons.append(_("under %(age)s on %(date)s", age=min_age, date=on.isoformat()))
    if occupation and occupation in params.get("excluded_occupations", ()):
        label = EXCLUDED_GROUPS.get(occupation)
        reasons.append(_("excluded group: %(occupation)s",
                         occupation=_(label) if label else occupation))
    return reasons


def certificate_valid(certificate_no: str | None, valid_from: dt.date | None,
                      valid_until: dt.date | None, on: dt.date) -> bool:
    """Is a rep certificate (直销员证) valid on ``on``?"""
    return bool(certificate_no) and valid_from is not None and valid_from <= on and (
        valid_until is None or on <= valid_until)


def latest_exit_date(joined_on: dt.date | None, notice_on: dt.date,
                     params: dict[str, Any]) -> dt.date:
    """DS5: the latest date a rep's exit may take effect after giving notice on
    ``notice_on``: at once within ``free_exit_days`` of signing, else after the notice."""
    free = int(params.get("free_exit_days", 60))
    if joined_on is not None and notice_on <= joined_on + dt.timedelta(days=free):
        return notice_on
    return notice_on + dt.timedelta(days=int(params.get("notice_days", 15)))


# -- checks -----------------------------------------------------------------------------


def _live_orders(ctx: Ctx, period: Period) -> list[Any]:
    return [Order.brand_id == ctx.brand_id, Order.ordered_at >= period.start_utc,
            Order.ordered_at < period.end_utc, Order.status != OrderStatus.CANCELLED,
            Order.rep_id.is_not(None)]


def verified_birth_dates(ctx: Ctx, rep_ids: list[int]) -> dict[int, dt.date]:
    """Birth dates verified on identity documents (``crm_verified_birth_dates``)."""
    found: dict[int, dt.date] = {}
    for i in range(0, len(rep_ids), 900):
        for answer in ctx.hooks.crm_verified_birth_dates(ctx=ctx, rep_ids=rep_ids[i:i + 900]):
            found.update(answer or {})
    return found


def ineligible_active_reps(ctx: Ctx, params: dict[str, Any], on: dt.date) -> list[tuple]:
    """Active reps not eligible on ``on``: ``(rep_id, rep_ref, name, birth_date, occupation,
    reasons)``. A birth date verified on an identity document counts instead of the
    declared one, and a declared date that differs is a finding too; SQL narrows to the
    candidates (age cut-off, excluded occupations, reps with a verified date)."""
    cutoff = years_before(on, int(params.get("min_age", 18)))
    active = ctx.session.scalars(select(Rep.id).where(
        Rep.brand_id == ctx.brand_id, Rep.status == RepStatus.ACTIVE)).all()
    verified = verified_birth_dates(ctx, list(active)) if active else {}
    rows = ctx.session.execute(
        select(Rep.id, Rep.rep_ref, Rep.name, Rep.birth_date, Rep.occupation).where(
            Rep.brand_id == ctx.brand_id, Rep.status == RepStatus.ACTIVE,
            or_(Rep.birth_date.is_(None), Rep.birth_date > cutoff,
                Rep.occupation.in_(list(params.get("excluded_occupations", ()))),
                Rep.id.in_(list(verified))))
        .order_by(Rep.rep_ref))
    out = []
    for rid, ref, name, declared, occupation in rows:
        birth = verified.get(rid, declared)
        reasons = ineligibility_reasons(birth, occupation, on, params)
        if rid in verified and declared is not None and declared != verified[rid]:
            reasons.append(_("declared birth date %(declared)s differs from the verified "
                             "%(verified)s", declared=declared, verified=verified[rid]))
        if reasons:
            out.append((rid, ref, name, birth, occupation, "; ".join(reasons)))
    return out


def check_ds1(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Active reps who are not eligible at the end of the period."""
    checked = ctx.session.scalar(select(func.count()).select_from(Rep).where(
        Rep.brand_id == ctx.brand_id, Rep.status == RepStatus.ACTIVE)) or 0
    records = [(ref, name, birth, occupation or "", reasons) for _id, ref, name, birth,
               occupation, reasons in ineligible_active_reps(ctx, rule.parameters, period.end)]
    return outcome(ctx, rule, checked=checked, records=records, columns=(
        _("Rep"), _("Name"), _("Birth date"), _("Occupation"), _("Reason")))


def check_ds3(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Orders credited to a rep without a valid certificate on the (local) order date."""
    where = _live_orders(ctx, period)
    checked = ctx.session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    covers_period = and_(Rep.certificate_no.is_not(None),
                         Rep.certificate_valid_from <= period.start,
                         or_(Rep.certificate_valid_until.is_(None),
                             Rep.certificate_valid_until >= period.end))
    rows = ctx.session.execute(
        select(Order.order_ref, Order.ordered_at, Rep.rep_ref, Rep.certificate_no,
               Rep.certificate_valid_from, Rep.certificate_valid_until)
        .join(Rep, Rep.id == Order.rep_id)
        .where(*where, Rep.brand_id == ctx.brand_id, not_(covers_period))
        .order_by(Order.ordered_at, Order.order_ref))
    records = []
    for ref, at, rep_ref, cert, valid_from, valid_until in rows:
        day = local_date(ctx, at)
        if not certificate_valid(cert, valid_from, valid_until, day):
            records.append((ref, day, rep_ref, cert or "—", valid_from, valid_until))
    return outcome(ctx, rule, checked=checked, records=records, columns=(
        _("Order"), _("Order date"), _("Rep"), _("Certificate"), _("Valid from"),
        _("Valid until")))


def check_ds4(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Orders whose region is not the crediting rep's province."""
    where = [*_live_orders(ctx, period), Order.region.is_not(None)]
    base = select(Order.order_ref, Order.ordered_at, Order.region, Rep.rep_ref,
                  Rep.province).join(Rep, Rep.id == Order.rep_id).where(
        *where, Rep.brand_id == ctx.brand_id, Rep.province.is_not(None))
    checked = ctx.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = ctx.session.execute(base.where(Order.region != Rep.province)
                               .order_by(Order.ordered_at, Order.order_ref))
    records = [(ref, local_date(ctx, at), region, rep_ref, province)
               for ref, at, region, rep_ref, province in rows]
    return outcome(ctx, rule, checked=checked, records=records, columns=(
        _("Order"), _("Order date"), _("Order region"), _("Rep"), _("Rep province")))


def check_ds5(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Exits effective in the period that took effect later than the rep was entitled to."""
    rows = list(ctx.session.execute(
        select(Rep.rep_ref, Rep.name, Rep.joined_on, RepStatusChange.changed_at,
               RepStatusChange.effective_on)
        .join(Rep, Rep.id == RepStatusChange.rep_id)
        .where(RepStatusChange.brand_id == ctx.brand_id, Rep.brand_id == ctx.brand_id,
               RepStatusChange.new_status == RepStatus.TERMINATED,
               RepStatusChange.effective_on >= period.start,
               RepStatusChange.effective_on <= period.end)
        .order_by(RepStatusChange.effective_on, Rep.rep_ref)))
    records = []
    for ref, name, joined_on, changed_at, effective_on in rows:
        notice_on = min(local_date(ctx, changed_at), effective_on)
        latest = latest_exit_date(joined_on, notice_on, rule.parameters)
        if effective_on > latest:
            records.append((ref, name, joined_on, notice_on, latest, effective_on))
    return outcome(ctx, rule, checked=len(rows), records=records, columns=(
        _("Rep"), _("Name"), _("Signed on"), _("Notice on"), _("Latest exit date"),
        _("Exit took effect")), figures=((_("Exits in the period"), len(rows)),))


CHECKS: dict[str, Check] = {"DS1": check_ds1, "DS3": check_ds3, "DS4": check_ds4,
                            "DS5": check_ds5}
