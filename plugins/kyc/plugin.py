"""Hook implementations of the kyc module: thin adapters onto its services.

Imported by the module registry; importing ``models`` here registers the module's tables.
"""

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
    ContactRequest,
    Ctx,
    DataPart,
    ImportKind,
    ProfileSection,
    ScheduledJob,
    Setting,
    _,
    hookimpl,
    register_labels,
)
from plugins.kyc import (  # noqa: F401  (background registers the module's job kinds)
    background,
    compliance,
    consent,
    identity,
    jobs,
    profile,
    subject_data,
)
from plugins.kyc import models as _models  # noqa: F401  (registers the tables)
from plugins.kyc.settings import SETTINGS

# The module's name and summary as shown on pages (the manifest keeps the English ones).
register_labels("module", {"kyc": N_("Identity and consent")}, _)
register_labels("module_summary", {"kyc": N_(
        "Verified identities (ID check digits, refresh), consent notices and an append-"
        "only consent ledger that answers the contact gate.")}, _)


@hookimpl
def crm_audit_kinds(ctx: Ctx) -> list[AuditKind]:
    """The audit screen labels the module's fields and names its codes."""
    from plugins.kyc.audit import kinds

    return kinds()


@hookimpl
def crm_demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Consent notices and the demo customers' consents (``plugins.kyc.demo``)."""
    from plugins.kyc import demo

    demo.demo_data(ctx, customer_refs)


def _import_consents(ctx: Ctx, path: Path) -> dict[str, int]:
    return {"consents": consent.import_consents(ctx, path).written}


@hookimpl
def crm_import_kinds(ctx: Ctx) -> list[ImportKind]:
    """``consents``: answers collected on paper or in another system, into the ledger."""
    return [ImportKind("consents", N_("Consents"), columns=consent.IMPORT_COLUMNS,
                       optional=consent.IMPORT_OPTIONAL, run=_import_consents,
                       help=N_("One row per customer, purpose and channel: the notice "
                               "version answered and when; with withdrawn_at, the "
                               "withdrawal too."),
                       record_labels={"consents": N_("Consent ledger entries")})]


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """Which contact purposes need consent, the guardian age, identity refresh."""
    return list(SETTINGS)


@hookimpl
def crm_can_contact(ctx: Ctx, request: ContactRequest) -> dict[int, str] | None:
    """Refuse outreach without a live consent for the purpose (on the channel used)."""
    return consent.contact_refusals(ctx, request)


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """Identity refresh tasks."""
    return jobs.scheduled_jobs()


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """Consents and identity documents of the customer."""
    return [profile.profile_section(ctx, customer_id)]


@hookimpl
def crm_rep_profile_sections(ctx: Ctx, rep_id: int) -> list[ProfileSection]:
    """The rep's identity documents and pay account."""
    return [profile.rep_section(ctx, rep_id)]


@hookimpl
def crm_personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """Consents, identity documents (masked), verifications and data requests."""
    return subject_data.personal_data(ctx, customer_id)


@hookimpl
def crm_erase_personal_data(ctx: Ctx, customer_ids: Sequence[int]) -> list[str]:
    """Identity documents go; the consent ledger stays without guardian names or evidence."""
    return subject_data.erase(ctx, customer_ids)


@hookimpl
def crm_compliance_checks(ctx: Ctx, period_start: dt.date, period_end: dt.date
                          ) -> list[ComplianceResult]:
    """P1, P2, P3, P4, P5 and P10 on the consent ledger, identities and requests."""
    return compliance.checks(ctx, period_start, period_end)


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The privacy screens (consents, requests, notices) and the REST API."""
    from plugins.kyc.views import register

    register(appbuilder)


@hookimpl
def crm_verified_birth_dates(ctx: Ctx, rep_ids: Sequence[int]) -> dict[int, dt.date]:
    """Birth dates read from reps' verified identity documents (DS1)."""
    return identity.verified_birth_dates(ctx, list(rep_ids))


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm consent ...`` and ``directcrm kyc ...``."""
    from plugins.kyc.cli import commands

    return commands()
