"""``directcrm tick`` (the due jobs of one brand or every brand), ``jobs list`` and ``worker``."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from core.cli.common import FORMAT_OPTION, cli, emit_rows, handles_domain_errors, runtime
from core.i18n import _
from core.jobqueue.services import status_label
from core.labels import label
from core.scheduler import JobRun, describe, job_statuses, tick


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
@click.option("--all", "run_all", is_flag=True,
              help="Run every job now, due or not (each job is idempotent).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def tick_command(brand_code: str | None, now: str | None, run_all: bool,
                 as_json: bool) -> None:
    """Run the scheduled jobs that are due (core and enabled modules): each once per slot
    of its schedule, even when several ticks run at the same time."""
    rt = runtime()
    runs = tick(lambda code: rt.ctx(code), [brand_code] if brand_code else None,
                _parse_now(now), force=run_all)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in runs], ensure_ascii=False, indent=2))
    else:
        for r in runs:
            click.echo(describe(r))
        if not runs:
            click.echo(_("No job is due."))
    if any(r.error for r in runs):
        sys.exit(1)


@cli.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs: what runs when, and how the last run went."""


@jobs_group.command("list")
@click.option("--brand", "brand_code", required=True, help="Brand code.")
@click.option("--now", "now", default=None, help="As of this ISO time (default: now).")
@FORMAT_OPTION
@handles_domain_errors
def jobs_list(brand_code: str, now: str | None, fmt: str) -> None:
    """module,job,schedule,due,last_started_at,last_status,last_message,description."""
    ctx = runtime().ctx(brand_code)
    at = _parse_now(now)
    if at is not None:
        ctx.clock = lambda: at
    emit_rows(("module", "job", "schedule", "due", "last_started_at", "last_status",
               "last_message", "description"),
              [(j.module, j.job, j.schedule, "yes" if j.due else "no", j.last_started_at,
                j.last_status, j.last_message, j.description) for j in job_statuses(ctx)],
              fmt, labels={"module": "module", "due": lambda v: label("boolean", v == "yes"),
                           "last_status": "job_run_status"})


@jobs_group.command("queue")
@click.option("--brand", "brand_code", required=True, help="Brand code.")
@click.option("--status", type=click.Choice(["queued", "running", "done", "failed"]),
              default=None, help="Only jobs in this state.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10000),
              help="At most this many, newest first.")
@FORMAT_OPTION
@handles_domain_errors
def jobs_queue(brand_code: str, status: str | None, limit: int, fmt: str) -> None:
    """The brand's one-off jobs (PDF reports, web imports...), newest first:
    id,kind,requested_by,status,progress,attempts,created_at,finished_at,result,error."""
    from core.jobqueue.services import list_jobs

    ctx = runtime().ctx(brand_code)
    jobs = list_jobs(ctx, status=status, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([j.as_dict() for j in jobs], ensure_ascii=False, indent=2))
        return
    emit_rows(("id", "kind", "requested_by", "status", "progress", "attempts", "created_at",
               "finished_at", "result", "error"),
              [(j.id, j.kind, j.requested_by, j.status, j.progress,
                f"{j.attempts}/{j.max_attempts}", j.created_at, j.finished_at,
                j.result_name or "", j.error or "") for j in jobs], fmt,
              labels={"status": status_label, "requested_by": "actor"})


@cli.command("worker")
@click.option("--brand", "brand_codes", multiple=True,
              help="Only this brand (repeatable; default: every brand).")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between two passes.")
@click.option("--once", is_flag=True, help="One pass, then exit (1 when a job failed).")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="Seconds between two looks at the job queue.")
@click.option("--queue-only", is_flag=True,
              help="Run only the queued one-off jobs, not the scheduled ones.")
@click.option("--parent-pid", type=int, default=None, hidden=True,
              help="Stop when this process is gone (the worker `serve` starts).")
@handles_domain_errors
def worker_command(brand_codes: tuple[str, ...], interval: int, once: bool, poll: float,
                   queue_only: bool, parent_pid: int | None) -> None:
    """Run the queued one-off jobs (PDF reports, web imports...) and the scheduled jobs as
    they fall due, until SIGTERM or Ctrl+C (the job in progress finishes first). Several
    workers may run: each queued job and each due scheduled job runs once."""
    from core.jobqueue.runner import QueueRunner
    from core.worker import Worker

    rt = runtime()
    queue = QueueRunner(rt.engine, rt.registry)

    def report(run: JobRun) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"[{stamp}] {describe(run)}")

    worker = Worker(lambda code: rt.ctx(code), brand_codes or None, interval, report,
                    queue=queue, poll=poll, schedule=not queue_only, parent_pid=parent_pid)
    if once:
        runs = worker.run_once()
        if any(r.error for r in runs):
            sys.exit(1)
        return
    click.echo(_("directcrm worker started: a pass every %(n)s seconds (SIGTERM to stop).",
                 n=interval))
    worker.run_forever()
    click.echo(_("directcrm worker stopped."))
