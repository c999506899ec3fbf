"""``directcrm tasks today|overdue|generate``: a rep's work list and the managers' view."""

from __future__ import annotations

import datetime as dt

import click

from core.cli.common import FORMAT_OPTION, cli, emit_rows, handles_domain_errors, runtime
from core.context import Ctx
from core.errors import ValidationFailed
from core.i18n import _
from core.labels import label, stored_text


def brand_ctx(brand: str, now: str | None) -> Ctx:
    """A context for ``brand`` whose clock is fixed at ``now`` (ISO; naive = brand time)."""
    ctx = runtime().ctx(brand)
    if now:
        try:
            parsed = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed({"now": [_(
                "Not a valid date-time, e.g. 2026-03-01T10:30:00+08:00.")]}) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ctx.tz)
        fixed = parsed.astimezone(dt.UTC)
        ctx.clock = lambda: fixed
    return ctx


NOW_OPTION = click.option("--now", default=None,
                          help="Act as if it were this time (ISO; default: the real time).")


@cli.group()
def tasks() -> None:
    """Reps' tasks: today's list, overdue tasks, rule-driven generation."""


@tasks.command("today")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--rep", "rep_ref", required=True, help="The rep's rep_ref.")
@NOW_OPTION
@FORMAT_OPTION
@handles_domain_errors
def tasks_today(brand: str, rep_ref: str, now: str | None, fmt: str) -> None:
    """Due and overdue open tasks of a rep, most valuable customers first."""
    from core.tasks.today import today_list

    ctx = brand_ctx(brand, now)
    rows = today_list(ctx, rep_ref)
    emit_rows(["task_id", "due_at", "overdue", "kind", "customer_ref", "customer_value",
               "title"],
              [(t.task_id, t.due_at.astimezone(ctx.tz), t.overdue, t.kind, t.customer_ref,
                t.customer_value, t.title) for t in rows], fmt,
              labels={"overdue": "boolean", "kind": "task_kind", "title": stored_text})


@tasks.command("overdue")
@click.option("--brand", required=True, help="Brand code.")
@NOW_OPTION
@FORMAT_OPTION
@handles_domain_errors
def tasks_overdue(brand: str, now: str | None, fmt: str) -> None:
    """Overdue open tasks per rep (for managers)."""
    from core.tasks.today import overdue_by_rep

    ctx = brand_ctx(brand, now)
    emit_rows(["rep_ref", "rep_name", "overdue", "oldest_due_at"],
              [(r.rep_ref, r.rep_name, r.overdue, r.oldest_due_at.astimezone(ctx.tz))
               for r in overdue_by_rep(ctx)], fmt)


@tasks.command("generate")
@click.option("--brand", required=True, help="Brand code.")
@NOW_OPTION
@handles_domain_errors
def tasks_generate(brand: str, now: str | None) -> None:
    """Run the task rules once (``directcrm tick`` runs them too); safe to repeat."""
    from core.tasks.rules import run_task_rules

    ctx = brand_ctx(brand, now)
    for name, count in run_task_rules(ctx).items():  # each rule by its name, then its count
        click.echo(f"{label('task_rule', name)}\t{count}")
