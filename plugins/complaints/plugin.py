"""Hook implementations of the complaints module: thin adapters onto its services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click

from core.api import (
    N_,
    AuditKind,
    ComplianceResult,
    Ctx,
    DataPart,
    JobResult,
    ProfileSection,
    ScheduledJob,
    Setting,
    _,
    hookimpl,
    register_labels,
)
from plugins.complaints import escalation, privacy, reports, services, surveys
from plugins.complaints import models as _models  # noqa: F401  (registers the tables)
from plugins.complaints.settings import SETTINGS

# The module's name and summary as shown on pages (the manifest keeps the English ones).
register_labels("module", {"complaints": N_("Complaints")}, _)
register_labels("module_summary", {"complaints": N_(
        "Complaint tickets with first-responder ownership, SLA clocks in the brand's "
        "working calendar (holidays, make-up days, closures), warnings, breaches and "
        "escalation (S1).")}, _)


@hookimpl
def crm_audit_kinds(ctx: Ctx) -> list[AuditKind]:
    """The audit screen names tickets by their ref (linked) and labels their fields."""
    from plugins.complaints.audit import kinds

    return kinds()


@hookimpl
def crm_demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """The demo tickets, opened, answered and resolved (``plugins.complaints.demo``)."""
    from plugins.complaints import demo

    demo.demo_data(ctx, customer_refs)


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """Working hours, reopen window, warning share and the policy of each severity."""
    return list(SETTINGS)


def _run(ctx: Ctx) -> JobResult:
    r = escalation.run(ctx)
    return JobResult(message=_("%(w)s warnings, %(b)s breaches, %(e)s escalations.",
                               w=r["warnings"], b=r["breaches"], e=r["escalations"]),
                     counts=r)


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """Warnings, breaches and escalations of the open tickets, every 15 minutes."""
    return [ScheduledJob("complaints.escalation", _run,
                         N_("Warn, record breaches and escalate complaints past their targets"),
                         "every 15 minutes")]


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm complaints ...`` and ``directcrm calendar ...``."""
    from plugins.complaints.cli import commands

    return commands()


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The queue, the ticket page and the REST API."""
    from plugins.complaints.web import register

    register(appbuilder)


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """The customer's complaints."""
    from plugins.complaints.web import profile_section

    return [profile_section(ctx, customer_id)]


@hookimpl
def crm_dashboard_sections(ctx: Ctx) -> list[ProfileSection]:
    """Service this month: open and overdue tickets, first responses in time, CSAT, NPS,
    CES."""
    from plugins.complaints.web import dashboard_section

    return [dashboard_section(ctx)]


@hookimpl
def crm_refund_requested_at(ctx: Ctx, return_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """A complaint about a return asked for the refund first: DS8's clock starts there."""
    return services.refund_requests(ctx, return_ids)


@hookimpl
def crm_customer_complaint_counts(ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime,
                                  until: dt.datetime) -> dict[int, int]:
    """Tickets opened per customer in the period (churn risk: complaints rising)."""
    return services.complaint_counts(ctx, customer_ids, since, until)


@hookimpl
def crm_compliance_checks(ctx: Ctx, period_start: dt.date, period_end: dt.date
                          ) -> list[ComplianceResult]:
    """S1: complaints within the service levels, from the module's tickets."""
    return [reports.s1_check(ctx, period_start, period_end)]


@hookimpl
def crm_customer_satisfaction(ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime,
                              until: dt.datetime) -> dict[int, Decimal]:
    """Survey answers on one 0-100 scale (churn risk: satisfaction down)."""
    return surveys.satisfaction(ctx, customer_ids, since, until)


@hookimpl
def crm_personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """The customer's complaints, their timelines and survey answers."""
    return privacy.personal_data(ctx, customer_id)


@hookimpl
def crm_erase_personal_data(ctx: Ctx, customer_ids: Sequence[int]) -> list[str]:
    """Tickets kept without their texts and caller details; survey comments dropped."""
    return privacy.erase(ctx, customer_ids)
