"""``directcrm reps offboard|handovers|history`` and ``directcrm customers reassign``."""

from __future__ import annotations

import datetime as dt

import click

from core.cli.common import FORMAT_OPTION, emit_rows, handles_domain_errors, runtime
from core.cli.customers_group import customers
from core.cli.reps_group import reps
from core.i18n import _
from core.labels import stored_text


@reps.command("offboard")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("rep_ref")
@click.option("--to", "to_rep", default=None, help="The rep who takes everything over.")
@click.option("--team", multiple=True,
              help="Spread over these reps by capacity (repeat, or comma-separated).")
@click.option("--effective-on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date the rep leaves (default: today in the brand's timezone).")
@click.option("--reason", default=None, help="Why the rep leaves (kept in the history).")
@handles_domain_errors
def reps_offboard(brand: str, rep_ref: str, to_rep: str | None, team: tuple[str, ...],
                  effective_on: dt.datetime | None, reason: str | None) -> None:
    """Terminate REP_REF and hand over their customers, open tasks and leads."""
    from core.handover.services import offboard_rep

    ctx = runtime().ctx(brand)
    members = [m.strip() for t in team for m in t.split(",") if m.strip()]
    result = offboard_rep(ctx, rep_ref, to_rep_ref=to_rep, team=members or None,
                          effective_on=effective_on.date() if effective_on else None,
                          reason=reason)
    click.echo(_("Rep %(rep)s offboarded: %(customers)s customers, %(tasks)s tasks and "
                 "%(leads)s leads handed over (handover %(id)s).", rep=rep_ref,
                 customers=result.count("customer"), tasks=result.count("task"),
                 leads=result.count("lead"), id=result.handover.id))


@customers.command("reassign")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--to", "to_rep", required=True, help="The rep who takes the customers.")
@click.argument("customer_refs", nargs=-1, required=True)
@click.option("--reason", default=None, help="Why (kept in the history).")
@click.option("--force", is_flag=True, help="Move even within the protection period.")
@handles_domain_errors
def customers_reassign(brand: str, to_rep: str, customer_refs: tuple[str, ...],
                       reason: str | None, force: bool) -> None:
    """Move CUSTOMER_REFS (with their open tasks) to another rep."""
    from core.handover.services import reassign_customers

    ctx = runtime().ctx(brand)
    result = reassign_customers(ctx, list(customer_refs), to_rep, reason=reason, force=force)
    click.echo(_("%(count)s customers moved to %(rep)s.", count=result.count("customer"),
                 rep=to_rep))


@reps.command("handovers")
@click.option("--brand", required=True, help="Brand code.")
@click.option("--rep", "rep_ref", default=None, help="Only handovers from this rep.")
@click.option("--id", "handover_id", type=int, default=None,
              help="Show the moves of this handover instead.")
@FORMAT_OPTION
@handles_domain_errors
def reps_handovers(brand: str, rep_ref: str | None, handover_id: int | None, fmt: str) -> None:
    """Handover records (offboardings and manual moves), or one handover's moves."""
    from core.handover.services import handover_moves, list_handovers

    ctx = runtime().ctx(brand)
    if handover_id is not None:
        emit_rows(["kind", "record", "from_rep", "to_rep"], handover_moves(ctx, handover_id),
                  fmt, labels={"kind": "handover_move"})
        return
    emit_rows(["id", "kind", "from_rep", "effective_on", "customers", "tasks", "leads",
               "reason", "by"],
              [(h.id, h.kind, h.from_rep_ref, h.effective_on, h.customers, h.tasks, h.leads,
                h.reason, h.created_by) for h in list_handovers(ctx, rep_ref)], fmt,
              labels={"kind": "handover_kind", "reason": stored_text, "by": "actor"})


@reps.command("history")
@click.option("--brand", required=True, help="Brand code.")
@click.argument("rep_ref")
@FORMAT_OPTION
@handles_domain_errors
def reps_history(brand: str, rep_ref: str, fmt: str) -> None:
    """REP_REF's status changes, oldest first:
    effective_on,old_status,new_status,reason,changed_at,changed_by."""
    from core.services.reps import rep_status_history

    ctx = runtime().ctx(brand)
    emit_rows(("effective_on", "old_status", "new_status", "reason", "changed_at",
               "changed_by"),
              [(h.effective_on, h.old_status.value if h.old_status else None,
                h.new_status.value, h.reason, h.changed_at, h.changed_by)
               for h in rep_status_history(ctx, rep_ref)], fmt,
              labels={"old_status": "rep_status", "new_status": "rep_status",
                      "reason": stored_text, "changed_by": "actor"})
