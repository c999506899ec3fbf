"""Hook implementations of the referral module: thin adapters onto its services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from core.api import (
    N_,
    AuditKind,
    ComplianceResult,
    Ctx,
    CustomerEvent,
    ImportKind,
    JobResult,
    OrderPaid,
    PayItem,
    PaymentDraft,
    Problem,
    ProfileSection,
    ScheduledJob,
    Setting,
    _,
    hookimpl,
    register_labels,
)
from plugins.referral import audit, coupons, programme, reports, services
from plugins.referral import models as _models  # noqa: F401  (registers the tables)
from plugins.referral.settings import SETTINGS

# The module's name and summary as shown on pages (the manifest keeps the English ones).
register_labels("module", {"referral": N_("Referrals")}, _)
register_labels("module_summary", {"referral": N_(
        "Referral codes, attribution, two-sided tiered rewards on qualified first "
        "orders, fraud checks and review (R1, DS7, PY1).")}, _)


@hookimpl
def crm_demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Customers referred by earlier customers (``plugins.referral.demo``)."""
    from plugins.referral import demo

    demo.demo_data(ctx, customer_refs)


@hookimpl
def crm_audit_kinds(ctx: Ctx) -> list[AuditKind]:
    """The audit screen names referrals by their two customers and labels their fields."""
    return audit.kinds()


def _import_referrals(ctx: Ctx, path: Path) -> dict[str, int]:
    return {"referrals": services.import_referrals(ctx, path)}


@hookimpl
def crm_import_kinds(ctx: Ctx) -> list[ImportKind]:
    """``referrals``: who brought whom, from before the brand used directcrm."""
    return [ImportKind("referrals", N_("Referrals"), columns=services.IMPORT_COLUMNS,
                       optional=("code",), run=_import_referrals,
                       help=N_("One row per referred customer: the referrer (or their "
                               "code instead of referrer_ref) and when; a customer "
                               "already referred is skipped."),
                       record_labels={"referrals": N_("Referrals")})]


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """Windows, minimum order, reward tiers, welcome reward, cap and burst limit."""
    return list(SETTINGS)


def _run(ctx: Ctx) -> JobResult:
    r = programme.run(ctx)
    return JobResult(message=_("%(q)s qualified, %(c)s cancelled, %(g)s rewards granted.",
                               q=r.qualified, c=r.cancelled, g=r.granted),
                     counts={"qualified": r.qualified, "cancelled": r.cancelled,
                             "rewards": r.rewards, "granted": r.granted})


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """Qualify, cancel and grant, daily."""
    return [ScheduledJob("referral.programme", _run,
                         N_("Qualify referrals past the return window and grant rewards"),
                         "daily 03:30")]


@hookimpl
def crm_payment_methods(ctx: Ctx) -> list[str]:
    """Orders can be paid (in part) with a referral coupon or gift."""
    return [coupons.METHOD]


@hookimpl
def crm_validate_payments(ctx: Ctx, payment: PaymentDraft) -> list[Problem]:
    """A coupon payment needs the customer's own unspent, unexpired code."""
    return coupons.payment_problems(ctx, payment)


@hookimpl
def crm_order_paid(ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
    """Coupons paid with are spent."""
    coupons.record_uses(ctx, orders)


@hookimpl
def crm_rep_pay_items(ctx: Ctx, period_start: dt.date, period_end: dt.date) -> list[PayItem]:
    """Coupons and gifts that reached reps count as rep pay (DS7)."""
    whole_month = (period_start.day == 1
                   and (period_end + dt.timedelta(days=1)).day == 1
                   and period_start.strftime("%Y-%m") == period_end.strftime("%Y-%m"))
    label = (period_start.strftime("%Y-%m") if whole_month
             else f"{period_start.isoformat()}/{period_end.isoformat()}")
    return coupons.rep_pay_items(ctx, period_start, period_end, label)


@hookimpl
def crm_compliance_checks(ctx: Ctx, period_start: dt.date, period_end: dt.date
                          ) -> list[ComplianceResult]:
    """R1 from the programme's own data."""
    return [reports.r1_check(ctx, period_start, period_end)]


@hookimpl
def crm_customers_merged(ctx: Ctx, survivor_id: int, merged_ids: Sequence[int]) -> None:
    """The merged records' referrals, rewards, coupons and code move to the survivor."""
    services.on_customers_merged(ctx, survivor_id, merged_ids)


@hookimpl
def crm_customer_created(ctx: Ctx, customers: Sequence[CustomerEvent]) -> None:
    """A new customer who left their phone on a referral link is that link's referral."""
    services.attribute_new_customers(ctx, [c.customer_id for c in customers])


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The referrals list and review queue, the REST API, the public landing page."""
    from plugins.referral.web import register

    register(appbuilder)


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """The customer's code, link and QR, whom they referred, their rewards."""
    from plugins.referral.web import profile_section

    return [profile_section(ctx, customer_id)]


@hookimpl
def crm_dashboard_sections(ctx: Ctx) -> list[ProfileSection]:
    """This month's referral rate, funnel, reward cost and top referrers."""
    from plugins.referral.web import dashboard_section

    return [dashboard_section(ctx)]


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm referral ...`` and ``directcrm import referrals``."""
    from plugins.referral.cli import commands

    return commands()
