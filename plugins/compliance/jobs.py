"""Scheduled jobs of the compliance module (run by ``directcrm tick``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from core.api import N_, Ctx, Task, TaskStatus, _, register_labels, register_stored_texts
from plugins.compliance.checks.reps import ineligible_active_reps
from plugins.compliance.rules import rule_in_force

TASK_KIND = "compliance"
DUE_DAYS = 7

register_labels("task_kind", {TASK_KIND: N_("Compliance follow-up")}, _)
register_stored_texts((N_("Rep %(ref)s is no longer eligible (DS1): %(reasons)s"),), _)


def recheck_eligibility(ctx: Ctx) -> object:
    """DS1, periodically: active reps who stopped being eligible (a birth date corrected,
    a new occupation) get one back-office task each, due in a week. Idempotent: the task's
    ``rule_key`` names the rep, so ticking again adds nothing."""
    from core.api import JobResult

    today = ctx.local_today()
    rule = rule_in_force(ctx, "DS1", today)
    if rule is None:
        return JobResult(message=_("DS1 does not apply to this brand."), counts={})
    found = ineligible_active_reps(ctx, rule.parameters, today)
    keys = {f"compliance:DS1:{rid}": (rid, ref, reasons) for rid, ref, _n, _b, _o, reasons
            in found}
    with ctx.write() as session:
        existing = set(session.scalars(select(Task.rule_key).where(
            Task.brand_id == ctx.brand_id, Task.rule_key.in_(list(keys))))) if keys else set()
        now = ctx.now()
        new = [{"brand_id": ctx.brand_id, "customer_id": None, "rep_id": None,
                "title": _("Rep %(ref)s is no longer eligible (DS1): %(reasons)s",
                           ref=ref, reasons=reasons)[:200],
                "kind": TASK_KIND, "due_at": now + dt.timedelta(days=DUE_DAYS),
                "status": TaskStatus.OPEN, "rule_key": key, "created_at": now}
               for key, (_rid, ref, reasons) in keys.items() if key not in existing]
        if new:
            session.execute(insert(Task), new)
    return JobResult(message=_("%(n)s ineligible active reps, %(new)s new tasks",
                               n=len(found), new=len(new)),
                     counts={"ineligible": len(found), "tasks_created": len(new)})
