"""``directcrm customers find``."""

from __future__ import annotations

import click

from core.cli.common import FORMAT_OPTION, emit_rows, handles_domain_errors, runtime
from core.cli.customers_group import customers
from core.privacy import masked
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
