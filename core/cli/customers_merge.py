"""``directcrm customers duplicates|merge``."""

from __future__ import annotations

import click

from core.cli.common import FORMAT_OPTION, emit_rows, handles_domain_errors, runtime
from core.cli.customers_group import customers
from core.i18n import _


@customers.command("duplicates")
@click.option("--brand", required=True, help="Brand code.")
@FORMAT_OPTION
@handles_domain_errors
def customers_duplicates(brand: str, fmt: str) -> None:
    """Likely duplicates: live customers sharing a phone number or a WeChat ID."""
    from core.services.merge import duplicate_groups

    ctx = runtime().ctx(brand)
    emit_rows(["group", "match", "customer_refs"],
              [(i + 1, g.match, " ".join(g.customer_refs))
               for i, g in enumerate(duplicate_groups(ctx))], fmt)


@customers.command("merge")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("survivor")
@click.argument("merged", nargs=-1, required=True)
@handles_domain_errors
def customers_merge(brand: str, survivor: str, merged: tuple[str, ...]) -> None:
    """Merge customers MERGED into SURVIVOR (history moves; merged records are kept)."""
    from core.services.merge import merge_customers

    ctx = runtime().ctx(brand)
    merge_customers(ctx, survivor, list(merged))
    click.echo(_("Merged %(merged)s into %(survivor)s.", merged=", ".join(merged),
                 survivor=survivor))
