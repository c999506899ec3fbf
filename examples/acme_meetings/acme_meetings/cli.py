"""``directcrm acme_meetings ...``: thin commands that parse, call the services and print."""

from __future__ import annotations

import json

import click
from core.api import N_
from core.api.cli import brand_ctx, handles_domain_errors

from acme_meetings import services
from acme_meetings.i18n import _

BRAND = click.option("--brand", "brand_code", required=True, help=N_("Brand code."))


@click.group("acme_meetings", help=N_(
    "Product experience meetings: invitations, attendance, follow-up sales."))
def group() -> None:
    """Product experience meetings: invitations, attendance, follow-up sales."""


@group.command("add", help=N_("Plan a meeting."))
@BRAND
@click.option("--ref", "meeting_ref", required=True, help=N_("Meeting reference."))
@click.option("--title", required=True, help=N_("What is shown."))
@click.option("--at", "held_at", required=True, help=N_("When (ISO 8601, brand time if naive)."))
@click.option("--location", default=None, help=N_("Where."))
@handles_domain_errors
def add_cmd(brand_code: str, meeting_ref: str, title: str, held_at: str,
            location: str | None) -> None:
    """Plan a meeting."""
    with brand_ctx(brand_code, module=services.MODULE) as ctx:
        services.create_meeting(ctx, {"meeting_ref": meeting_ref, "title": title,
                                      "held_at": held_at, "location": location})
    click.echo(_("Meeting %(ref)s planned.", ref=meeting_ref))


@group.command("attend", help=N_("Invite a customer, or record whether they came."))
@BRAND
@click.option("--meeting", "meeting_ref", required=True, help=N_("Meeting reference."))
@click.option("--customer", "customer_ref", required=True, help=N_("Customer reference."))
@click.option("--status", default="attended",
              type=click.Choice(["invited", "attended", "absent"]), help=N_("Default: attended."))
@click.option("--user", default="system", help=N_("Who records it."))
@handles_domain_errors
def attend_cmd(brand_code: str, meeting_ref: str, customer_ref: str, status: str,
               user: str) -> None:
    """Invite a customer, or record whether they came."""
    with brand_ctx(brand_code, user=user, module=services.MODULE) as ctx:
        services.record_attendance(ctx, {"meeting_ref": meeting_ref,
                                         "customer_ref": customer_ref, "status": status})
    click.echo(_("Recorded."))


@group.command("report", help=N_(
    "Invited, attended, absent, converted, and the conversion rate."))
@BRAND
@click.option("--meeting", "meeting_ref", required=True, help=N_("Meeting reference."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handles_domain_errors
def report_cmd(brand_code: str, meeting_ref: str, fmt: str) -> None:
    """Invited, attended, absent, converted, and the conversion rate."""
    with brand_ctx(brand_code, module=services.MODULE) as ctx:
        r = services.report(ctx, meeting_ref)
    if fmt == "json":
        click.echo(json.dumps({"meeting_ref": r.meeting_ref, "invited": r.invited,
                               "attended": r.attended, "absent": r.absent,
                               "converted": r.converted,
                               "conversion_rate": r.conversion_rate}))
        return
    click.echo(_("%(title)s: %(invited)s invited, %(attended)s came, %(absent)s absent, "
                 "%(converted)s bought afterwards.", title=r.title, invited=r.invited,
                 attended=r.attended, absent=r.absent, converted=r.converted))
