"""Hook implementations of the compliance module (thin: the work is in the modules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import click

from core.api import (
    N_,
    Ctx,
    OrderDraft,
    Problem,
    ProductDraft,
    ScheduledJob,
    Setting,
    _,
    hookimpl,
    register_labels,
)
from plugins.compliance import models  # noqa: F401  (registers the module's tables)

# The module's name and summary as shown on pages (the manifest keeps the English ones).
register_labels("module", {"compliance": N_("Compliance")}, _)
register_labels("module_summary", {"compliance": N_(
        "Jurisdiction rule packs (CN, TW, US, EU), checks, and compliance PDFs.")}, _)


@hookimpl
def crm_install(ctx: Ctx) -> None:
    """Nothing to seed: the rule pack follows the brand's jurisdiction, modes default to
    the pack's."""


@hookimpl
def crm_validate_rep_status(ctx: Ctx, rep_id: int, new_status: str,
                            effective_on: dt.date) -> list[Problem]:
    """DS1: refuse activating an ineligible rep."""
    from plugins.compliance.decisions import validate_rep_status

    return validate_rep_status(ctx, rep_id, new_status, effective_on)


@hookimpl
def crm_validate_orders(ctx: Ctx, orders: Sequence[OrderDraft]) -> list[Problem]:
    """DS3 certificate, DS4 territory, DS6 marked price, for a batch of orders."""
    from plugins.compliance.decisions import validate_orders

    return validate_orders(ctx, orders)


@hookimpl
def crm_validate_products(ctx: Ctx, products: Sequence[ProductDraft]) -> list[Problem]:
    """DS10 permitted categories."""
    from plugins.compliance.decisions import validate_products

    return validate_products(ctx, products)


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``compliance`` and ``report`` groups; ``import rep_pay`` when the core has ``import``."""
    from plugins.compliance.cli import commands

    return commands()


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The compliance page (statuses, register, PDF downloads)."""
    from plugins.compliance.views import ComplianceView

    # An explicit href: the core builds the sidebar at start-up, outside a request, where
    # FAB's default (url_for of the view) cannot be built.
    appbuilder.add_view(ComplianceView(), "Compliance", href="/compliance/")


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """DS1 re-checked on every tick: a task per active rep who is no longer eligible."""
    from plugins.compliance.jobs import recheck_eligibility

    return [ScheduledJob(name="ds1_recheck", run=recheck_eligibility,
                         description="DS1: active reps no longer eligible get a task")]


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """Rule modes (block or warn) and the deposit held (DS12)."""
    from plugins.compliance.rules import SETTINGS

    return list(SETTINGS)
