"""``directcrm tick``: run the scheduled jobs of one brand or of every brand."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _
from core.scheduler import describe, tick


def _parse_now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(_("Not a valid date-time, e.g. 2026-03-01T10:30:00+08:00."),
                                 param_hint="--now") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


@cli.command("tick")
@click.option("--brand", "brand_code", default=None, help="Only this brand (default: all).")
@click.option("--now", "now", default=None,
              help="Run as of this ISO time (default: now; without an offset it is UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def tick_command(brand_code: str | None, now: str | None, as_json: bool) -> None:
    """Run the due scheduled jobs (core and enabled modules); each job is idempotent."""
    rt = runtime()
    runs = tick(lambda code: rt.ctx(code), [brand_code] if brand_code else None,
                _parse_now(now))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in runs], ensure_ascii=False, indent=2))
    else:
        for r in runs:
            click.echo(describe(r))
        if not runs:
            click.echo(_("No jobs to run."))
    if any(r.error for r in runs):
        sys.exit(1)
