"""Rep offboarding and customer handover (the answer to reps monopolising customers).

``offboard_rep`` terminates a rep and moves their live customers, open tasks and open leads
to one chosen rep, or spreads them over a team:

- customers, in ``customer_ref`` order, each to the team member with the most spare
  capacity (``Rep.capacity``, or the brand's ``reps.default_capacity`` when unset, minus
  the live customers they hold, counting those just given); ties go to the lower
  ``rep_ref``. Deterministic, and it levels the load.
- an open task follows its customer; a task without a moved customer goes to the team
  member with the most spare capacity after the customers were spread.
- open leads (new, contacted), in ``lead_ref`` order, each to the member holding the
  fewest open leads; ties to the lower ``rep_ref``. Their follow-up clock restarts.

Nothing is deleted: orders and interactions keep the rep who made them, and every move is a
``handover_items`` row of the ``handovers`` record (leads also get ``lead_assignments``).

**Protection period** (brand setting ``customers.protection_days``, default 30): the rep
who acquired a customer keeps them for that many days after the customer was created.
Protection stops managers' manual moves (:func:`reassign_customers`, unless ``force``) and
any automatic reassignment; offboarding always moves the customers, because a customer must
never stay with a rep who left. Once a customer has been handed over, the protection is
spent (it belongs to the acquiring rep).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import aliased

from core import audit
from core.context import Ctx
from core.errors import DomainError, RuleViolation, ValidationFailed
from core.events import HandoverMove
from core.handover.models import Handover, HandoverItem
from core.i18n import _
from core.leads.models import OPEN_LEAD_STATUSES, Lead, LeadAssignment
from core.models import Customer, Rep, RepStatus, Task, TaskStatus
from core.services.reps import change_rep_status
from core.services.scoping import get_by_ref
from core.services.settings import get_setting

CHUNK = 500


@dataclass(frozen=True)
class HandoverResult:
    """What a handover did: the record and each moved record's new rep."""

    handover: Handover
    moves: tuple[HandoverMove, ...]

    def count(self, kind: str) -> int:
        return sum(1 for m in self.moves if m.kind == kind)


def protection_days(ctx: Ctx) -> int:
    """The brand's customer protection period in days."""
    return int(get_setting(ctx, "customers.protection_days"))


def protected_until(ctx: Ctx, customer: Customer) -> dt.datetime | None:
    """When the acquiring rep's protection of ``customer`` ends (None: not protected)."""
    days = protection_days(ctx)
    if days <= 0 or customer.rep_id is None:
        return None
    handed_over = ctx.session.scalar(select(exists().where(
        HandoverItem.brand_id == ctx.brand_id, HandoverItem.kind == "customer",
        HandoverItem.record_id == customer.id)))
    if handed_over:
        return None
    until = customer.created_at + dt.timedelta(days=days)
    return until if ctx.now() < until else None


def spare_capacity(ctx: Ctx, reps: Sequence[Rep]) -> dict[int, int]:
    """Capacity minus live customers held, per rep (set-based count)."""
    counts = dict(ctx.session.execute(
        select(Customer.rep_id, func.count(Customer.id))
        .where(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None),
               Customer.rep_id.in_([r.id for r in reps]))
        .group_by(Customer.rep_id)).all())
    default = int(get_setting(ctx, "reps.default_capacity"))
    return {r.id: (r.capacity if r.capacity is not None else default) - counts.get(r.id, 0)
            for r in reps}


def _open_leads(ctx: Ctx, rep_ids: Sequence[int]) -> dict[int, int]:
    counts = dict(ctx.session.execute(
        select(Lead.rep_id, func.count(Lead.id))
        .where(Lead.brand_id == ctx.brand_id, Lead.rep_id.in_(list(rep_ids)),
               Lead.status.in_(OPEN_LEAD_STATUSES))
        .group_by(Lead.rep_id)).all())
    return {rid: counts.get(rid, 0) for rid in rep_ids}


def _targets(ctx: Ctx, leaving: Rep | None, refs: Sequence[str]) -> list[Rep]:
    reps = [get_by_ref(ctx, Rep, ref) for ref in dict.fromkeys(refs)]
    for r in reps:
        if leaving is not None and r.id == leaving.id:
            raise ValidationFailed({"team": [_("The leaving rep cannot receive the handover.")]})
        if r.status != RepStatus.ACTIVE:
            raise DomainError(_("Rep %(ref)s is %(status)s; only active reps can take over "
                                "customers.", ref=r.rep_ref, status=r.status.value),
                              code="inactive_rep")
    return sorted(reps, key=lambda r: r.rep_ref)


def _bulk_set(ctx: Ctx, model: Any, plan: dict[int, int], **extra: Any) -> None:
    """``UPDATE model SET rep_id = target`` for the planned ids, one statement per target."""
    by_target: dict[int, list[int]] = {}
    for record_id, target in plan.items():
        by_target.setdefault(target, []).append(record_id)
    for target, ids in by_target.items():
        for i in range(0, len(ids), CHUNK):
            ctx.session.execute(update(model).where(model.brand_id == ctx.brand_id,
                                                    model.id.in_(ids[i:i + CHUNK]))
                                .values(rep_id=target, **extra)
                                .execution_options(synchronize_session=False))


def _record(ctx: Ctx, *, kind: str, from_rep: Rep | None, effective_on: dt.date,
            reason: str | None, customers: dict[int, int], tasks: dict[int, int],
            leads: dict[int, int],
            from_ids: dict[tuple[str, int], int | None] | None = None
            ) -> HandoverResult:
    """Write the handover record, its items and the leads' assignment history."""
    now = ctx.now()
    handover = Handover(brand_id=ctx.brand_id, kind=kind,
                        from_rep_id=from_rep.id if from_rep else None,
                        effective_on=effective_on, reason=reason,
                        customers_moved=len(customers), tasks_moved=len(tasks),
                        leads_moved=len(leads), created_at=now, created_by=ctx.user)
    ctx.session.add(handover)
    ctx.session.flush()
    moves = [HandoverMove(kind=k, record_id=rid, to_rep_id=to)
             for k, plan in (("customer", customers), ("task", tasks), ("lead", leads))
             for rid, to in sorted(plan.items())]
    from_ids = from_ids or {}
    rows = [{"brand_id": ctx.brand_id, "handover_id": handover.id, "kind": m.kind,
             "record_id": m.record_id, "to_rep_id": m.to_rep_id,
             "from_rep_id": from_rep.id if from_rep else from_ids.get((m.kind, m.record_id))}
            for m in moves]
    for i in range(0, len(rows), CHUNK):
        ctx.session.execute(insert(HandoverItem.__table__), rows[i:i + CHUNK])
    lead_rows = [{"brand_id": ctx.brand_id, "lead_id": lid,
                  "from_rep_id": from_rep.id if from_rep else None, "to_rep_id": to,
                  "strategy": "offboarding", "reason": reason, "assigned_at": now,
                  "assigned_by": ctx.user} for lid, to in sorted(leads.items())]
    if lead_rows:
        ctx.session.execute(insert(LeadAssignment.__table__), lead_rows)
    return HandoverResult(handover=handover, moves=tuple(moves))


def offboard_rep(ctx: Ctx, rep_ref: str, to_rep_ref: str | None = None,
                 team: Sequence[str] | None = None, effective_on: dt.date | None = None,
                 reason: str | None = None) -> HandoverResult:
    """Terminate ``rep_ref`` and hand their customers, open tasks and open leads over to
    ``to_rep_ref`` or spread them across ``team`` by capacity; fires
    ``crm_rep_offboarded``. All or nothing."""
    if bool(to_rep_ref) == bool(team):
        raise ValidationFailed({"to_rep": [_("Give either one rep to take over or a team "
                                             "(not both).")]})
    effective_on = effective_on or ctx.local_today()
    with ctx.write() as session:
        leaving = get_by_ref(ctx, Rep, rep_ref)
        # PostgreSQL: two offboardings of one rep queue here instead of both moving rows.
        session.execute(select(Rep.id).where(Rep.id == leaving.id).with_for_update())
        session.refresh(leaving)
        targets = _targets(ctx, leaving, [to_rep_ref] if to_rep_ref else list(team or []))
        change_rep_status(ctx, rep_ref, RepStatus.TERMINATED.value, effective_on=effective_on,
                          reason=reason)
        bid = ctx.brand_id
        customer_ids = list(session.scalars(
            select(Customer.id).where(Customer.brand_id == bid, Customer.rep_id == leaving.id,
                                      Customer.merged_into_id.is_(None))
            .order_by(Customer.customer_ref)))
        spare = spare_capacity(ctx, targets)
        customers: dict[int, int] = {}
        for cid in customer_ids:
            best = min(targets, key=lambda r: (-spare[r.id], r.rep_ref))
            customers[cid] = best.id
            spare[best.id] -= 1
        fallback = min(targets, key=lambda r: (-spare[r.id], r.rep_ref)).id
        task_rows = session.execute(
            select(Task.id, Task.customer_id).where(
                Task.brand_id == bid, Task.rep_id == leaving.id,
                Task.status == TaskStatus.OPEN).order_by(Task.id)).all()
        tasks = {tid: customers.get(cid, fallback) if cid is not None else fallback
                 for tid, cid in task_rows}
        lead_ids = list(session.scalars(
            select(Lead.id).where(Lead.brand_id == bid, Lead.rep_id == leaving.id,
                                  Lead.status.in_(OPEN_LEAD_STATUSES))
            .order_by(Lead.lead_ref)))
        load = _open_leads(ctx, [r.id for r in targets])
        leads: dict[int, int] = {}
        for lid in lead_ids:
            best = min(targets, key=lambda r: (load[r.id], r.rep_ref))
            leads[lid] = best.id
            load[best.id] += 1
        now = ctx.now()
        _bulk_set(ctx, Customer, customers, updated_at=now)
        _bulk_set(ctx, Task, tasks)
        _bulk_set(ctx, Lead, leads, assigned_at=now, updated_at=now)
        result = _record(ctx, kind="offboarding", from_rep=leaving, effective_on=effective_on,
                         reason=reason, customers=customers, tasks=tasks, leads=leads)
        ctx.hooks.crm_rep_offboarded(ctx=ctx, rep_id=leaving.id, handover=list(result.moves))
        audit.record(ctx, "handover", record_type="reps", record_id=leaving.id,
                     details={"rep": leaving.rep_ref, "to": [r.rep_ref for r in targets],
                              "handover": result.handover.id, "customers": len(customers),
                              "tasks": len(tasks), "leads": len(leads)})
    return result


def reassign_customers(ctx: Ctx, customer_refs: Sequence[str], to_rep_ref: str,
                       reason: str | None = None, force: bool = False) -> HandoverResult:
    """A manager moves customers (and their open tasks) to another rep.

    Refused with rule ``PROTECTION`` while a customer is in its acquiring rep's protection
    period, unless ``force`` (an exceptional, audited decision).
    """
    with ctx.write() as session:
        target = _targets(ctx, None, [to_rep_ref])[0]
        found = [get_by_ref(ctx, Customer, ref) for ref in dict.fromkeys(customer_refs)]
        movers = [c for c in found if c.rep_id != target.id and c.merged_into_id is None]
        if not force:
            for c in movers:
                until = protected_until(ctx, c)
                if until is not None:
                    raise RuleViolation("PROTECTION", _(
                        "Customer %(ref)s is protected for its rep until %(date)s.",
                        ref=c.customer_ref, date=until.astimezone(ctx.tz).date().isoformat()))
        customers = {c.id: target.id for c in movers}
        from_ids = {("customer", c.id): c.rep_id for c in movers}
        task_rows = session.execute(select(Task.id, Task.customer_id, Task.rep_id).where(
            Task.brand_id == ctx.brand_id, Task.status == TaskStatus.OPEN,
            Task.customer_id.in_(list(customers)))).all()
        tasks = {tid: target.id for tid, cid, rid in task_rows
                 if rid == from_ids[("customer", cid)]}
        from_ids.update({("task", tid): rid for tid, _cid, rid in task_rows})
        _bulk_set(ctx, Customer, customers, updated_at=ctx.now())
        _bulk_set(ctx, Task, tasks)
        result = _record(ctx, kind="manual", from_rep=None, effective_on=ctx.local_today(),
                         reason=reason, customers=customers, tasks=tasks, leads={},
                         from_ids=from_ids)
        audit.record(ctx, "handover", record_type="customers", record_id=None,
                     details={"handover": result.handover.id, "to": target.rep_ref,
                              "customers": [c.customer_ref for c in movers], "forced": force})
    return result


@dataclass(frozen=True)
class HandoverLine:
    """One handover as listed: who handed over, when, how much."""

    id: int
    kind: str
    from_rep_ref: str | None
    effective_on: dt.date
    customers: int
    tasks: int
    leads: int
    reason: str | None
    created_by: str


def list_handovers(ctx: Ctx, rep_ref: str | None = None) -> list[HandoverLine]:
    """The brand's handovers, newest first; with ``rep_ref`` only those from that rep."""
    stmt = (select(Handover, Rep.rep_ref).outerjoin(Rep, Rep.id == Handover.from_rep_id)
            .where(Handover.brand_id == ctx.brand_id)
            .order_by(Handover.created_at.desc(), Handover.id.desc()))
    if rep_ref:
        stmt = stmt.where(Handover.from_rep_id == get_by_ref(ctx, Rep, rep_ref).id)
    return [HandoverLine(id=h.id, kind=h.kind, from_rep_ref=ref, effective_on=h.effective_on,
                         customers=h.customers_moved, tasks=h.tasks_moved, leads=h.leads_moved,
                         reason=h.reason, created_by=h.created_by)
            for h, ref in ctx.session.execute(stmt)]


def handover_moves(ctx: Ctx, handover_id: int) -> list[tuple[str, str, str | None, str]]:
    """``(kind, record ref, from rep_ref, to rep_ref)`` of one handover's moves; a task's
    ref is its id. Another brand's handover is not found."""
    from core.services.scoping import get_by_id

    get_by_id(ctx, Handover, handover_id)
    src, dst = aliased(Rep), aliased(Rep)
    rows = ctx.session.execute(
        select(HandoverItem.kind, HandoverItem.record_id, Customer.customer_ref,
               Lead.lead_ref, src.rep_ref, dst.rep_ref)
        .outerjoin(Customer, (HandoverItem.kind == "customer")
                   & (Customer.id == HandoverItem.record_id))
        .outerjoin(Lead, (HandoverItem.kind == "lead") & (Lead.id == HandoverItem.record_id))
        .outerjoin(src, src.id == HandoverItem.from_rep_id)
        .join(dst, dst.id == HandoverItem.to_rep_id)
        .where(HandoverItem.brand_id == ctx.brand_id, HandoverItem.handover_id == handover_id)
        .order_by(HandoverItem.kind, HandoverItem.record_id))
    return [(kind, cref or lref or str(rid), s, d) for kind, rid, cref, lref, s, d in rows]
