"""``directcrm leads ...``: capture, import, contact, move, recycle, funnel."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import click

from core.cli.common import FORMAT_OPTION, cli, emit_rows, handles_domain_errors, runtime
from core.cli.tasks import NOW_OPTION, brand_ctx
from core.i18n import _
from core.leads.schemas import CHANNELS
from core.models import Rep


@cli.group()
def leads() -> None:
    """Leads (线索): capture, assignment, the public pool, the funnel."""


@leads.command("add")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("lead_ref")
@click.option("--name", required=True)
@click.option("--channel", required=True, type=click.Choice(CHANNELS))
@click.option("--phone", default=None)
@click.option("--province", default=None)
@click.option("--score", type=int, default=None,
              help="0-100 (default: computed from the channel and the data given).")
@click.option("--referrer", default=None, help="customer_ref of the referring customer.")
@handles_domain_errors
def leads_add(brand: str, lead_ref: str, name: str, channel: str, phone: str | None,
              province: str | None, score: int | None, referrer: str | None) -> None:
    """Capture one lead and assign it by the brand's strategies."""
    from core.leads.services import create_lead

    ctx = runtime().ctx(brand)
    data = {"lead_ref": lead_ref, "name": name, "channel": channel, "phone": phone,
            "province": province, "score": score, "referrer_customer_ref": referrer}
    lead = create_lead(ctx, {k: v for k, v in data.items() if v is not None})
    owner = ctx.session.get(Rep, lead.rep_id).rep_ref if lead.rep_id else None
    click.echo(_("Lead %(ref)s: %(status)s, owner %(rep)s.", ref=lead.lead_ref,
                 status=lead.status.value, rep=owner or "-"))


@leads.command("import")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="Channel for rows that name none (purchased_list for a bought file).")
@handles_domain_errors
def leads_import(brand: str, path: Path, channel: str | None) -> None:
    """Import leads from a CSV file (lead_ref,name,phone,province,channel,score,
    referrer_customer_ref,note), cleaning phones and skipping duplicates."""
    from core.leads.services import import_leads

    ctx = runtime().ctx(brand)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    report = import_leads(ctx, rows, channel=channel)
    for row, field, reason in report.skipped:
        click.echo(_("Line %(line)s skipped: %(field)s: %(reason)s", line=row + 1, field=field,
                     reason=reason), err=True)
    click.echo(_("%(created)s leads created, %(placed)s assigned, %(skipped)s rows skipped.",
                 created=len(report.created), placed=report.placed,
                 skipped=len({r for r, _f, _m in report.skipped})))


@leads.command("contact")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("lead_ref")
@click.option("--kind", default="call", show_default=True)
@click.option("--summary", default=None)
@handles_domain_errors
def leads_contact(brand: str, lead_ref: str, kind: str, summary: str | None) -> None:
    """Log a contact with a lead."""
    from core.leads.services import log_contact

    ctx = runtime().ctx(brand)
    log_contact(ctx, lead_ref, {"kind": kind, **({"summary": summary} if summary else {})})
    click.echo(_("Contact logged for lead %(ref)s.", ref=lead_ref))


@leads.command("move")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("lead_ref")
@click.option("--to", "to_rep", default=None, help="rep_ref; omit to put it in the pool.")
@click.option("--reason", default=None)
@handles_domain_errors
def leads_move(brand: str, lead_ref: str, to_rep: str | None, reason: str | None) -> None:
    """Move a lead to a rep or to the pool (managers)."""
    from core.leads.assignment import move_lead

    ctx = runtime().ctx(brand)
    move_lead(ctx, lead_ref, to_rep, reason)
    click.echo(_("Lead %(ref)s moved to %(rep)s.", ref=lead_ref, rep=to_rep or _("the pool")))


@leads.command("recycle")
@click.option("--brand", required=True, help="Brand code.")
@NOW_OPTION
@handles_domain_errors
def leads_recycle(brand: str, now: str | None) -> None:
    """Drop neglected leads to the pool and reassign the pool (``tick`` runs this)."""
    from core.leads.pool import recycle

    r = recycle(brand_ctx(brand, now))
    click.echo(_("Dropped to the pool: %(nc)s not contacted, %(nv)s not converted; "
                 "reassigned %(re)s; left in the pool %(left)s.", nc=r.not_contacted,
                 nv=r.not_converted, re=r.reassigned, left=r.still_in_pool))


@leads.command("funnel")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--by", type=click.Choice(["channel", "rep"]), default="channel",
              show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Leads captured on or after this local date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Leads captured on or before this local date.")
@FORMAT_OPTION
@handles_domain_errors
def leads_funnel(brand: str, by: str, since: dt.datetime | None, until: dt.datetime | None,
                 fmt: str) -> None:
    """Leads → contacted → first purchase → repeat, by channel or by rep."""
    from core.leads.funnel import funnel

    ctx = runtime().ctx(brand)
    rows = funnel(ctx, by, since.date() if since else None, until.date() if until else None)
    emit_rows([by, "leads", "contacted", "first_purchase", "repeat", "conversion_pct"],
              [(r.key, r.leads, r.contacted, r.converted, r.repeat, r.conversion)
               for r in rows], fmt, labels={"channel": "lead_channel"})
