"""``directcrm segments``, ``customers silent|reactivation|at-risk`` and ``figures``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from core.cli.common import (
    FORMAT_OPTION,
    cli,
    emit_rows,
    handles_domain_errors,
    labels_of,
    runtime,
)
from core.cli.customers_group import customers
from core.context import Ctx
from core.i18n import _
from core.labels import label, segment_label
from core.segmentation.services import compute_segments, store_segments, summarize
from core.settings_catalog import SEGMENT_SCHEMES as SCHEMES

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@contextmanager
def brand_ctx(brand: str) -> Iterator[Ctx]:
    """A context for the brand whose session is closed when the command ends."""
    ctx = runtime().ctx(brand)
    try:
        yield ctx
    finally:
        ctx.session.close()


@cli.command()
@click.option("--brand", required=True, help="Brand code.")
@click.option("--scheme", required=True, type=click.Choice(SCHEMES), help="Segmentation scheme.")
@click.option("--as-of", "as_of", type=DATE, default=None,
              help="Last day of the window (brand timezone); default today.")
@click.option("--since", type=DATE, default=None,
              help="First day of the window; default 365 days ending on the as-of date.")
@click.option("--summary", is_flag=True, help="Print counts and revenue share per segment.")
@click.option("--store", is_flag=True,
              help="Also store the segments and their changes (fires the change hook).")
@FORMAT_OPTION
@handles_domain_errors
def segments(brand: str, scheme: str, as_of: dt.datetime | None, since: dt.datetime | None,
             summary: bool, store: bool, fmt: str) -> None:
    """Print each customer's segment (customer_ref,segment); printing alone stores nothing."""
    with brand_ctx(brand) as ctx:
        day = _day(as_of) or ctx.local_today()
        rows = compute_segments(ctx, scheme, day, _day(since))
        if store:
            changes = store_segments(ctx, scheme, day, rows)
            click.echo(_("Stored %(n)s segment changes.", n=len(changes)), err=True)
        shown = {"segment": lambda value: segment_label(scheme, value)}
        if fmt != "json":  # the scheme's name and what its values mean, beside the table
            click.echo(f"{label('segment_scheme', scheme)}: "
                       f"{label('segment_scheme_help', scheme)}", err=True)
        if summary:
            emit_rows(["segment", "customers", "revenue", "share"],
                      [(s.segment, s.customers, s.revenue, s.share)
                       for s in summarize(rows)], fmt, labels=shown)
        else:
            emit_rows(["customer_ref", "segment"],
                      [(r.customer_ref, r.segment) for r in rows], fmt, labels=shown)


@customers.command("silent")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--as-of", "as_of", type=DATE, default=None, help="Date (brand timezone).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Days without a paid order (default: brand setting, else 180).")
@FORMAT_OPTION
@handles_domain_errors
def customers_silent(brand: str, as_of: dt.datetime | None, days: int | None, fmt: str) -> None:
    """Customers with a paid order but none in the last DAYS days."""
    from core.services.silent import silent_customers

    with brand_ctx(brand) as ctx:
        rows = silent_customers(ctx, _day(as_of), days)
        emit_rows(["customer_ref", "last_order_at", "lifetime_revenue"],
                  [(r.customer_ref, r.last_order_at.astimezone(ctx.tz), r.lifetime_revenue)
                   for r in rows], fmt)


@customers.command("reactivation")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--silent-at", "silent_at", type=DATE, required=True,
              help="Date at which customers were silent.")
@click.option("--by", type=DATE, required=True, help="Last day to count a new order.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Days without a paid order (default: brand setting, else 180).")
@FORMAT_OPTION
@handles_domain_errors
def customers_reactivation(brand: str, silent_at: dt.datetime, by: dt.datetime,
                           days: int | None, fmt: str) -> None:
    """Of the customers silent at SILENT_AT, how many ordered again by BY."""
    from core.services.silent import reactivation_report

    with brand_ctx(brand) as ctx:
        r = reactivation_report(ctx, silent_at.date(), by.date(), days)
        emit_rows(["silent_at", "by", "days", "silent", "reactivated", "rate"],
                  [(r.silent_at, r.by, r.days, r.silent, r.reactivated, r.rate)], fmt)


@customers.command("at-risk")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--as-of", "as_of", type=DATE, default=None, help="Date (brand timezone).")
@FORMAT_OPTION
@handles_domain_errors
def customers_at_risk(brand: str, as_of: dt.datetime | None, fmt: str) -> None:
    """Customers with churn-risk flags (customer_ref,flags)."""
    from core.services.churn_risk import at_risk_customers

    with brand_ctx(brand) as ctx:
        rows = at_risk_customers(ctx, _day(as_of))
        emit_rows(["customer_ref", "flags", "last_order_at", "last_contact_at"],
                  [(r.customer_ref, " ".join(f.rule for f in r.flags),
                    r.last_order_at.astimezone(ctx.tz) if r.last_order_at else None,
                    r.last_contact_at.astimezone(ctx.tz) if r.last_contact_at else None)
                   for r in rows], fmt, labels={"flags": labels_of("risk_rule")})


@cli.command("figures")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--rep", "rep_ref", default=None, help="Only this rep (rep_ref).")
@click.option("--as-of", "as_of", type=DATE, default=None, help="Last day of the period.")
@click.option("--since", type=DATE, default=None,
              help="First day of the period; default 365 days ending on the as-of date.")
@FORMAT_OPTION
@handles_domain_errors
def figures_command(brand: str, rep_ref: str | None, as_of: dt.datetime | None,
                    since: dt.datetime | None, fmt: str) -> None:
    """Repurchase rate, AOV, LTV, new customers, follow-up timeliness."""
    from core.analytics.figures import figures

    with brand_ctx(brand) as ctx:
        data: dict[str, Any] = figures(ctx, rep_ref, _day(as_of), _day(since)).as_dict()
        if fmt == "json":
            click.echo(json.dumps({k: _plain(v) for k, v in data.items()}, ensure_ascii=False,
                                  indent=2))
        else:
            emit_rows(["figure", "value"], list(data.items()), fmt, labels={"figure": "figure"})


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, str, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@cli.command("segments-recompute")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--wait", is_flag=True,
              help="Run the job here now (or wait for the worker that took it) and print "
                   "its result.")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@handles_domain_errors
def segments_recompute(brand: str, wait: bool, as_json: bool) -> None:
    """Queue the brand's full segment recompute (every scheme, as of today): the job the
    segmentation page's button queues; one at a time per brand."""
    import time

    from core.jobqueue.runner import QueueRunner
    from core.jobqueue.services import get_job
    from core.segmentation.background import start_recompute

    rt = runtime()
    with brand_ctx(brand) as ctx:
        job = start_recompute(ctx)
        if wait and not job.finished:
            runner = QueueRunner(rt.engine, rt.registry)
            runner.run_job_now(job.id)
            job = get_job(ctx, job.id)
            while not job.finished:  # a worker has it, or a retry is not due yet
                time.sleep(0.5)
                runner.run_job_now(job.id)  # runs it once it is due and nobody has it
                job = get_job(ctx, job.id)
    if as_json:
        click.echo(json.dumps(job.as_dict(), ensure_ascii=False, indent=2))
    elif not job.finished:
        click.echo(_("Job %(id)s: %(status)s. Follow it with: directcrm jobs queue --brand "
                     "%(brand)s", id=job.id, status=job.status, brand=brand))
    elif job.status == "failed":
        click.echo(_("Job %(id)s failed: %(error)s", id=job.id, error=job.error), err=True)
    else:
        summary = job.result_summary or {}
        changes = ", ".join(f"{k} {v}" for k, v in (summary.get("changes") or {}).items())
        click.echo(_("Job %(id)s done: %(customers)s customers as of %(as_of)s; segment "
                     "changes: %(changes)s.", id=job.id, customers=summary.get("customers"),
                     as_of=summary.get("as_of"), changes=changes))
    if job.status == "failed":
        raise SystemExit(1)
