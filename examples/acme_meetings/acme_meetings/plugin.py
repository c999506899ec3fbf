"""Hook implementations: thin adapters onto ``services`` (docs/hooks.md lists them all)."""

from __future__ import annotations

from collections.abc import Sequence

import click
from core.api import (
    N_,
    Ctx,
    ImportKind,
    Kind,
    OrderPaid,
    ProfileSection,
    Setting,
    hookimpl,
    register_labels,
)
from markupsafe import Markup

from acme_meetings import models as _models  # noqa: F401  (registers the tables)
from acme_meetings import services
from acme_meetings.i18n import _

# The module's name and summary on the modules screen, from this module's own catalog.
register_labels("module", {"acme_meetings": N_("Product experience meetings")}, _)
register_labels("module_summary", {"acme_meetings": N_(
    "Product experience meetings: invitations, attendance and follow-up sales.")}, _)

STATUS_LABELS = {"invited": N_("Invited"), "attended": N_("Attended"),
                 "absent": N_("Absent")}


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """How long after a meeting a paid order counts as its conversion."""
    return [Setting("acme_meetings", "follow_up_days", Kind.INT, 7,
                    N_("Days after a meeting a paid order counts as its conversion"),
                    min=1, max=90)]


@hookimpl
def crm_order_paid(ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
    """A paid order soon after a meeting the customer attended is its conversion."""
    services.link_orders(ctx, orders)


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """The customer's meetings on the customer page (values escaped)."""
    rows = services.customer_meetings(ctx, customer_id)
    items = Markup("").join(
        Markup("<li>{} · {} · {}{}</li>").format(
            m.held_at.astimezone(ctx.tz).strftime("%Y-%m-%d"), m.title,
            _(STATUS_LABELS[a.status.value]), _(" · bought afterwards") if a.order_id else "")
        for m, a in rows)
    html = Markup("<ul>{}</ul>").format(items) if items else Markup("<p>{}</p>").format(
        _("No meetings yet."))
    return [ProfileSection(key="acme_meetings", title=_("Experience meetings"),
                           html=str(html), order=90)]


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm acme_meetings ...``."""
    from acme_meetings.cli import group

    return [group]


@hookimpl
def crm_import_kinds(ctx: Ctx) -> list[ImportKind]:
    """Attendance lists (``directcrm import acme_meetings_attendance``, and the web import
    page of the brands that enabled the module)."""
    return [ImportKind("acme_meetings_attendance", N_("Meeting attendance"),
                       columns=services.IMPORT_COLUMNS, run=services.import_attendance,
                       help=N_("One row per customer and meeting: invited, attended or "
                               "absent; the latest status wins."),
                       record_labels={"attendance": N_("Meeting attendance")})]
