"""``directcrm referral ...`` and ``directcrm import referrals``: parse, call, print."""

from __future__ import annotations

import csv
import dataclasses
import json
from contextlib import AbstractContextManager
from pathlib import Path

import click

from core.api import Ctx, _
from core.api.cli import FORMAT_OPTION, brand_ctx, cli, emit_rows, handles_domain_errors
from plugins.referral import programme, reports, services

BRAND_OPTION = click.option("--brand", "brand_code", required=True, help="Brand code.")


def _ctx(brand_code: str, user: str = "system") -> AbstractContextManager[Ctx]:
    return brand_ctx(brand_code, user=user, module=services.MODULE)


@click.group("referral")
def referral_group() -> None:
    """Customer referral programme (R1: one level, customers only, paid orders)."""


@referral_group.command("code")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--base-url", default=None, envvar="DIRECTCRM_PUBLIC_URL",
              help="The public address for the link (default $DIRECTCRM_PUBLIC_URL).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handles_domain_errors
def code_cmd(brand_code: str, customer_ref: str, base_url: str | None, fmt: str) -> None:
    """The customer's referral code and link."""
    with _ctx(brand_code) as ctx:
        code = services.code_for(ctx, customer_ref)
    link = f"{(base_url or 'http://127.0.0.1:5000').rstrip('/')}/r/{brand_code}/{code}"
    if fmt == "json":
        click.echo(json.dumps({"customer_ref": customer_ref, "code": code, "link": link}))
    else:
        click.echo(f"{code}\t{link}")


@referral_group.command("add")
@BRAND_OPTION
@click.option("--referrer", "referrer_ref", default=None, help="Referrer's customer ref.")
@click.option("--code", default=None, help="Or the referrer's code.")
@click.option("--referred", "referred_ref", required=True, help="The new customer's ref.")
@click.option("--at", "referred_at", default=None, help="When (ISO); default now.")
@click.option("--user", default="system", help="Who records it.")
@handles_domain_errors
def add_cmd(brand_code: str, referrer_ref: str | None, code: str | None, referred_ref: str,
            referred_at: str | None, user: str) -> None:
    """Record that a customer brought a new one."""
    row = {k: v for k, v in {"referrer_ref": referrer_ref, "code": code,
                             "referred_ref": referred_ref,
                             "referred_at": referred_at}.items() if v}
    with _ctx(brand_code, user) as ctx:
        n = services.record_referrals(ctx, [row], "cli")
    click.echo(_("Referral recorded.") if n else _("Already recorded: nothing changed."))


@referral_group.command("rewards")
@BRAND_OPTION
@click.option("--status", default=None, type=click.Choice(
    ["held", "qualified", "granted", "rejected"]))
@FORMAT_OPTION
@handles_domain_errors
def rewards_cmd(brand_code: str, status: str | None, fmt: str) -> None:
    """One row per reward: referral, referrer, referred, order, side, kind, value..."""
    with _ctx(brand_code) as ctx:
        emit_rows(reports.COLUMNS, [(r.referral, r.referrer_ref, r.referred_ref, r.order_ref,
                                     r.side, r.kind, r.value, r.status, r.qualified_at)
                                    for r in reports.rewards(ctx, status)], fmt,
                  labels={"side": "referral.side", "kind": "referral.reward_kind",
                          "status": "referral.status"})


@referral_group.command("review")
@BRAND_OPTION
@click.argument("referral", type=int)
@click.argument("decision", type=click.Choice(["approve", "reject"]))
@click.option("--reason", default=None, help="Why (required to reject).")
@click.option("--user", default="system", help="Who decides.")
@handles_domain_errors
def review_cmd(brand_code: str, referral: int, decision: str, reason: str | None,
               user: str) -> None:
    """Approve or reject a referral (or reward) held for review."""
    with _ctx(brand_code, user) as ctx:
        done = services.review(ctx, referral, decision == "approve", reason)
        click.echo(_("Referral %(id)s: %(status)s.", id=done.id, status=done.status.value))


@referral_group.command("run")
@BRAND_OPTION
@handles_domain_errors
def run_cmd(brand_code: str) -> None:
    """Qualify, cancel and grant now (the daily job does it on its own)."""
    with _ctx(brand_code) as ctx:
        r = programme.run(ctx)
    click.echo(_("%(q)s qualified, %(c)s cancelled, %(g)s rewards granted.",
                 q=r.qualified, c=r.cancelled, g=r.granted))


@referral_group.command("stats")
@BRAND_OPTION
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handles_domain_errors
def stats_cmd(brand_code: str, period: str, fmt: str) -> None:
    """The month's figures: referral rate, funnel, rewards, lifetime value, top referrers."""
    with _ctx(brand_code) as ctx:
        s = reports.stats(ctx, period)
    if fmt == "json":
        data = dataclasses.asdict(s)
        data["funnel"] = dict(s.funnel)
        click.echo(json.dumps(data, default=str, ensure_ascii=False, indent=2))
        return
    none = "-"
    click.echo(_("Referral figures, %(period)s", period=s.period))
    click.echo(_("New customers: %(n)s, referred: %(r)s (%(rate)s%%)", n=s.new_customers,
                 r=s.referred_new, rate=s.referral_rate if s.referral_rate is not None
                 else none))
    click.echo("  ->  ".join(f"{_(reports.FUNNEL_LABELS[k])} {v}" for k, v in s.funnel))
    click.echo(_("Rewards qualified: %(value)s %(kind)s; per acquired customer: %(each)s",
                 value=s.reward_value, kind=s.reward_kind,
                 each=s.cost_per_acquired if s.cost_per_acquired is not None else none))
    click.echo(_("Net revenue per buying customer: referred %(a)s (%(na)s), others %(b)s "
                 "(%(nb)s)", a=s.ltv_referred if s.ltv_referred is not None else none,
                 na=s.buyers_referred, b=s.ltv_others if s.ltv_others is not None else none,
                 nb=s.buyers_others))
    if s.top_referrers:
        click.echo(_("Top referrers:"))
        for t in s.top_referrers:
            click.echo("  " + _("%(ref)s %(name)s: %(n)s referrals, %(q)s qualified, "
                                "%(value)s earned", ref=t.customer_ref, name=t.name,
                                n=t.referrals, q=t.qualified, value=t.reward_value))


@click.command("referrals")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@BRAND_OPTION
@handles_domain_errors
def import_referrals_cmd(file: Path, brand_code: str) -> None:
    """Import referrals (referrer_ref,referred_ref,referred_at; optional code): all or
    nothing, errors by line, idempotent."""
    with file.open(encoding="utf-8-sig", newline="") as handle:
        rows = sum(1 for _row in csv.DictReader(handle))
    with _ctx(brand_code) as ctx:
        n = services.import_referrals(ctx, file)
    click.echo(_("referrals: %(rows)s rows read, %(n)s recorded.", rows=rows, n=n))


def commands() -> list[click.Command]:
    """The group; ``referrals`` joins the core's ``import`` group."""
    existing_import = cli.commands.get("import")
    if isinstance(existing_import, click.Group):
        existing_import.commands.setdefault("referrals", import_referrals_cmd)
    return [referral_group]
