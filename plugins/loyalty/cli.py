"""``directcrm loyalty ...``: thin commands that parse, call services and print."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import AbstractContextManager

import click

from core.api import Ctx, ValidationFailed, _
from core.api.cli import FORMAT_OPTION, brand_ctx, emit_rows, handles_domain_errors
from plugins.loyalty import jobs, reports, services, tiers
from plugins.loyalty.settings import programme

BRAND_OPTION = click.option("--brand", "brand_code", required=True, help="Brand code.")


def _ctx(brand_code: str, user: str = "system") -> AbstractContextManager[Ctx]:
    """The command's context; refused for a brand without the module."""
    return brand_ctx(brand_code, user=user, module=services.MODULE)


def _parse_date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({field: [_("Not a valid date, e.g. 2026-03-31.")]}) from None


@click.group()
def loyalty() -> None:
    """Loyalty points, tiers and rewards."""


@loyalty.command("balances")
@BRAND_OPTION
@click.option("--as-of", "as_of", default=None, help="Balances at the end of this local date "
              "(YYYY-MM-DD); default now.")
@FORMAT_OPTION
@handles_domain_errors
def balances_cmd(brand_code: str, as_of: str | None, fmt: str) -> None:
    """Print every member's points: customer_ref,tier,earned,redeemed,expired,reversed,balance."""
    day = _parse_date(as_of, "as_of")
    with _ctx(brand_code) as ctx:
        emit_rows(reports.BALANCE_COLUMNS, reports.balances(ctx, day), fmt)


@loyalty.command("adjust")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--points", type=int, required=True, help="Points to add (negative: remove).")
@click.option("--reason", required=True, help="Why (kept in the ledger).")
@click.option("--user", required=True, help="Who made the adjustment.")
@click.option("--ref", "adjustment_ref", default=None, help="Idempotency key (optional).")
@handles_domain_errors
def adjust_cmd(brand_code: str, customer_ref: str, points: int, reason: str, user: str,
               adjustment_ref: str | None) -> None:
    """Add or remove points by hand, with a reason."""
    data = {"customer_ref": customer_ref, "points": points, "reason": reason}
    if adjustment_ref:
        data["adjustment_ref"] = adjustment_ref
    with _ctx(brand_code, user=user) as ctx:
        entry = services.adjust(ctx, data)
    click.echo(_("Adjusted %(customer)s by %(points)s points (entry %(id)s).",
                 customer=customer_ref, points=entry.points, id=entry.id))


@loyalty.command("redeem")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--points", type=int, required=True, help="Points to spend.")
@click.option("--ref", "redemption_ref", required=True, help="Redemption reference.")
@click.option("--user", default="system", help="Who redeems.")
@handles_domain_errors
def redeem_cmd(brand_code: str, customer_ref: str, points: int, redemption_ref: str,
               user: str) -> None:
    """Spend a customer's points (soonest-expiring first)."""
    with _ctx(brand_code, user=user) as ctx:
        entry = services.redeem_points(ctx, {"customer_ref": customer_ref, "points": points,
                                             "redemption_ref": redemption_ref})
    click.echo(_("Redeemed %(points)s points for %(customer)s.", points=-entry.points,
                 customer=customer_ref))


@loyalty.group("reward")
def reward() -> None:
    """The rewards catalogue."""


@reward.command("save")
@BRAND_OPTION
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(["product", "voucher", "service"]))
@click.option("--points", "points_cost", type=int, required=True, help="Points it costs.")
@click.option("--stock", type=int, default=None, help="How many are left (default unlimited).")
@click.option("--inactive", is_flag=True, help="Hide it from the catalogue.")
@handles_domain_errors
def reward_save(brand_code: str, code: str, name: str, kind: str, points_cost: int,
                stock: int | None, inactive: bool) -> None:
    """Add a reward or change the one with the same code."""
    with _ctx(brand_code) as ctx:
        r = services.save_reward(ctx, {"code": code, "name": name, "kind": kind,
                                       "points_cost": points_cost, "stock": stock,
                                       "active": not inactive})
    click.echo(_("Saved reward %(code)s.", code=r.code))


@reward.command("list")
@BRAND_OPTION
@FORMAT_OPTION
@handles_domain_errors
def reward_list(brand_code: str, fmt: str) -> None:
    """List the catalogue."""
    with _ctx(brand_code) as ctx:
        rows = [(r.code, r.name, r.kind.value, r.points_cost, r.stock, r.active)
                for r in services.list_rewards(ctx)]
    emit_rows(("code", "name", "kind", "points_cost", "stock", "active"), rows, fmt,
              labels={"kind": "loyalty.reward_kind", "active": "boolean"})


@reward.command("redeem")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True)
@click.option("--code", "reward_code", required=True)
@click.option("--ref", "redemption_ref", required=True, help="Redemption reference.")
@click.option("--user", default="system", help="Who hands out the reward.")
@handles_domain_errors
def reward_redeem(brand_code: str, customer_ref: str, reward_code: str, redemption_ref: str,
                  user: str) -> None:
    """Give a customer a reward for points."""
    with _ctx(brand_code, user=user) as ctx:
        row = services.redeem_reward(ctx, {"customer_ref": customer_ref,
                                           "reward_code": reward_code,
                                           "redemption_ref": redemption_ref})
    click.echo(_("Reward %(code)s given for %(points)s points.", code=reward_code,
                 points=row.points))


@loyalty.command("settings")
@BRAND_OPTION
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Change a setting (repeatable), e.g. --set validity_months=24.")
@handles_domain_errors
def settings_cmd(brand_code: str, pairs: tuple[str, ...]) -> None:
    """Show (and change) the programme settings as JSON."""
    changes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValidationFailed({key: [_("Use KEY=VALUE.")]})
        changes[key.strip()] = value.strip()
    with _ctx(brand_code) as ctx:
        if changes:
            services.update_settings(ctx, changes)
        click.echo(json.dumps(programme(ctx).to_json(), ensure_ascii=False, indent=2))


@loyalty.command("tiers")
@BRAND_OPTION
@FORMAT_OPTION
@handles_domain_errors
def tiers_cmd(brand_code: str, fmt: str) -> None:
    """List the tiers and their criteria."""
    with _ctx(brand_code) as ctx:
        rows = [(t.code, t.name, t.rank, t.min_value, t.retain_value, t.multiplier)
                for t in tiers.list_tiers(ctx)]
    emit_rows(("code", "name", "rank", "min_value", "retain_value", "multiplier"), rows, fmt)


@loyalty.command("run-jobs")
@BRAND_OPTION
@handles_domain_errors
def run_jobs_cmd(brand_code: str) -> None:
    """Run the loyalty jobs now (``directcrm tick`` runs them on schedule)."""
    with _ctx(brand_code) as ctx:
        for name, result in jobs.run_all(ctx).items():
            click.echo(f"{name}\t{result}")
