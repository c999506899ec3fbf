"""Hook implementations of the loyalty module: thin adapters onto ``services``.

Imported by the module registry; importing ``models`` here registers the module's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import click

from core.api import (
    N_,
    AuditKind,
    Ctx,
    DataPart,
    OrderCancelled,
    OrderPaid,
    OrderRefunded,
    PayItem,
    PaymentDraft,
    PointsAward,
    Problem,
    ProfileSection,
    ScheduledJob,
    Setting,
    _,
    hookimpl,
    register_labels,
)
from plugins.loyalty import audit, jobs, reports, services
from plugins.loyalty import models as _models  # noqa: F401  (registers the tables)
from plugins.loyalty.settings import SETTINGS

# The module's name and summary as shown on pages (the manifest keeps the English ones).
register_labels("module", {"loyalty": N_("Loyalty")}, _)
register_labels("module_summary", {"loyalty": N_(
        "Membership tiers, points earned on purchases, redemption and expiry.")}, _)


@hookimpl
def crm_demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """A rewards catalogue and a few redemptions (``plugins.loyalty.demo``)."""
    from plugins.loyalty import demo

    demo.demo_data(ctx, customer_refs)


@hookimpl
def crm_audit_kinds(ctx: Ctx) -> list[AuditKind]:
    """The audit screen names points entries by their customer and labels their fields."""
    return audit.kinds()


@hookimpl
def crm_install(ctx: Ctx) -> None:
    """Default programme settings and tiers for the brand (existing ones are kept)."""
    services.install(ctx)


@hookimpl
def crm_order_paid(ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
    """Spend points that paid for orders; earn on the money paid."""
    services.on_orders_paid(ctx, orders)


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """The programme: earning rate and rounding, validity, redemption, tiers, reminders."""
    return list(SETTINGS)


@hookimpl
def crm_payment_methods(ctx: Ctx) -> list[str]:
    """Orders of a brand with loyalty can be paid (in part) with points."""
    return [services.POINTS_METHOD]


@hookimpl
def crm_validate_payments(ctx: Ctx, payment: PaymentDraft) -> list[Problem]:
    """A points payment needs the minimum redemption and a balance that covers it."""
    return services.payment_problems(ctx, payment)


@hookimpl
def crm_award_points(ctx: Ctx, awards: Sequence[PointsAward]) -> list[str]:
    """Credit points other modules give (a referral reward), each award once."""
    return services.award_points(ctx, awards)


@hookimpl
def crm_order_refunded(ctx: Ctx, refunds: Sequence[OrderRefunded]) -> None:
    """Take back earned points and hand back redeemed ones, pro rata."""
    services.on_orders_refunded(ctx, refunds)


@hookimpl
def crm_order_cancelled(ctx: Ctx, orders: Sequence[OrderCancelled]) -> None:
    """A cancelled paid order gives back everything it earned and redeemed."""
    services.on_orders_cancelled(ctx, orders)


@hookimpl
def crm_customers_merged(ctx: Ctx, survivor_id: int, merged_ids: Sequence[int]) -> None:
    """The merged records' points move to the survivor (each lot keeps its expiry)."""
    services.on_customers_merged(ctx, survivor_id, merged_ids)


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """Expiry, birthday bonus, tier evaluation and expiry reminders."""
    return jobs.scheduled_jobs()


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """Balance, tier, points expiring soon and the last ledger entries."""
    return [reports.profile_section(ctx, customer_id)]


@hookimpl
def crm_personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """The customer's points ledger (its sums stay after an erasure: no personal text)."""
    return reports.personal_data(ctx, customer_id)


@hookimpl
def crm_rep_pay_items(ctx: Ctx, period_start: dt.date, period_end: dt.date) -> list[PayItem]:
    """Points that reached reps (customers with a rep's phone) count as rep pay (DS7)."""
    return reports.rep_pay_items(ctx, period_start, period_end)


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The programme and ledger screens, and the REST API."""
    from plugins.loyalty.views import register

    register(appbuilder)


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm loyalty ...``."""
    from plugins.loyalty.cli import loyalty

    return [loyalty]
