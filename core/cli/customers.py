"""``directcrm customers find`` and ``customers blocked-outreach``."""

from __future__ import annotations

import datetime as dt

import click

from core.cli.common import FORMAT_OPTION, emit_rows, handles_domain_errors, runtime
from core.cli.customers_group import customers
from core.labels import stored_text
from core.privacy import masked
from core.services.contact import blocked_outreach
from core.services.customers import find_by_phone


@customers.command("find")
@click.option("--brand", "brand_code", required=True, help="Brand code.")
@click.option("--phone", required=True, help="Phone number in any formatting.")
@FORMAT_OPTION
@handles_domain_errors
def customers_find(brand_code: str, phone: str, fmt: str) -> None:
    """Find customers by phone (``+86 138-0013-8000`` = ``13800138000``); phones masked."""
    ctx = runtime().ctx(brand_code)
    try:
        found = find_by_phone(ctx, phone)
        rows = [(c.customer_ref, c.name, masked(c.phone), c.rep.rep_ref if c.rep else None)
                for c in found]
    finally:
        ctx.session.close()
    emit_rows(("customer_ref", "name", "phone", "rep_ref"), rows, fmt)


@customers.command("blocked-outreach")
@click.option("--brand", "brand_code", required=True, help="Brand code.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only refusals on or after this day (UTC).")
@FORMAT_OPTION
@handles_domain_errors
def customers_blocked_outreach(brand_code: str, since: dt.datetime | None, fmt: str) -> None:
    """Outreach the contact gate refused (a module answering crm_can_contact), newest
    first: refused_at,customer_ref,purpose,channel,kind,reason."""
    ctx = runtime().ctx(brand_code)
    start = since.replace(tzinfo=dt.UTC) if since else None
    rows = [(b.refused_at, b.customer_ref, b.purpose, b.channel, b.kind, b.reason)
            for b in blocked_outreach(ctx, start)]
    emit_rows(("refused_at", "customer_ref", "purpose", "channel", "kind", "reason"), rows,
              fmt, labels={"purpose": "contact_purpose", "channel": "contact_channel",
                           "kind": "task_kind", "reason": stored_text})
