"""``directcrm demo``: set up the demo brand, then start the web server."""

from __future__ import annotations

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _


@cli.command("demo")
@click.option("--no-serve", is_flag=True, help="Only build the demo data; do not start the "
              "web server.")
@click.option("--customers", default=300, show_default=True, type=click.IntRange(10, 100_000),
              help="How many demo customers.")
@click.pass_context
@handles_domain_errors
def demo_command(click_ctx: click.Context, no_serve: bool, customers: int) -> None:
    """Create (or complete) the DEMO brand with a year of history, then serve the web app."""
    from core.demo import build_demo
    from core.migrate import upgrade

    rt = runtime()
    upgrade(rt.engine)
    summary = build_demo(lambda code: rt.ctx(code), customers=customers)
    click.echo(_("Demo brand %(code)s ready (%(state)s).", code=summary.brand,
                 state=_("created") if summary.created_brand else _("already there")))
    for kind, result in summary.imports.items():
        if kind == "orders":  # the file has a row per line: count orders, not rows
            click.echo(_("  orders: %(imported)s imported (%(lines)s lines), %(skipped)s "
                         "lines already there", imported=result.units.get("orders", 0),
                         lines=result.units.get("order_lines", result.imported),
                         skipped=result.skipped))
            continue
        click.echo(_("  %(kind)s: %(imported)s imported, %(skipped)s already there",
                     kind=kind, imported=result.imported, skipped=result.skipped))
    click.echo(_("  leads: %(n)s added; duplicates to merge: %(d)s", n=summary.leads,
                 d=summary.duplicates))
    click.echo(_("  interactions: %(n)s added; tasks: %(t)s", n=summary.interactions,
                 t=summary.tasks))
    click.echo(_("  customers dated before their first order: %(n)s; segment changes: "
                 "%(segments)s", n=summary.backdated,
                 segments=", ".join(f"{k} {v}" for k, v in summary.segment_changes.items())))
    if summary.enabled:
        click.echo(_("  modules enabled: %(names)s", names=", ".join(summary.enabled)))
    from core.demo import DEMO_FINDINGS

    click.echo(_("  compliance findings left on purpose:"))
    for rule_id, why in DEMO_FINDINGS.items():
        click.echo(f"    {rule_id}: {_(why)}")
    from core.web.users import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users

    ensure_demo_users(rt, summary.brand)
    click.echo(_("  logins (password %(password)s): %(users)s", password=DEMO_PASSWORD,
                 users=", ".join(u for u, _role, _rep in DEMO_USERS)))
    if not no_serve:
        click_ctx.invoke(cli.commands["serve"])

