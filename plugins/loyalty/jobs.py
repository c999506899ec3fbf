"""Scheduled jobs (``directcrm tick``): expiry, tiers, birthday bonus, expiry reminders.

Each job takes ``ctx`` (``ctx.now()`` is the tick time), owns its write transaction and is
idempotent: running it twice in a row changes nothing the second time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

from sqlalchemy import extract, select

from core.api import (
    MARKETING,
    N_,
    Ctx,
    Customer,
    JobResult,
    ScheduledJob,
    _,
    insert_many,
    insert_tasks,
    register_labels,
    register_stored_texts,
    task_row,
    use_locale,
)
from plugins.loyalty import ledger, tiers
from plugins.loyalty.ledger import chunks
from plugins.loyalty.models import EntryKind, LoyaltyAccount, LoyaltyEntry, SourceKind
from plugins.loyalty.settings import lot_expiry, programme

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Remind the customer: %(points)s loyalty points expire after %(date)s"),
))

REMINDER_KIND = "loyalty_expiry"
register_labels("task_kind", {REMINDER_KIND: N_("Points expiring")}, _)


def N_(message: str) -> str:  # noqa: N802 - marks a message for extraction
    return message


def expire_points(ctx: Ctx) -> int:
    """Expire what remains of every lot past its expiry; returns the points expired."""
    with ctx.write():
        return ledger.expire_due(ctx)


def evaluate_tiers(ctx: Ctx) -> int:
    """Re-place every member (upgrades and downgrades); returns how many moved."""
    with ctx.write():
        return len(tiers.evaluate(ctx, None, allow_downgrade=True, reason="scheduled"))


def birthday_bonuses(ctx: Ctx) -> int:
    """Give the birthday bonus to members whose birthday is today (local date; 29 February
    birthdays on 28 February in other years). Keyed per customer and year."""
    settings = programme(ctx)
    if settings.birthday_bonus <= 0:
        return 0
    today = ctx.local_today()
    days = [today.day]
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        days.append(29)
    now = ctx.now()
    with ctx.write() as session:
        ids = list(session.scalars(
            select(Customer.id).join(LoyaltyAccount, (LoyaltyAccount.customer_id == Customer.id)
                                     & (LoyaltyAccount.brand_id == Customer.brand_id))
            .where(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None),
                   extract("month", Customer.birthday) == today.month,
                   extract("day", Customer.birthday).in_(days))))
        expires = lot_expiry(ctx, settings, now)
        rows = [{"brand_id": ctx.brand_id, "customer_id": cid, "kind": EntryKind.EARN.value,
                 "points": settings.birthday_bonus, "source_kind": SourceKind.BIRTHDAY.value,
                 "source_ref": f"{cid}:{today.year}", "order_id": None, "base_amount": None,
                 "effective_at": now, "expires_at": expires, "reason": None,
                 "created_by": ctx.user, "created_at": now} for cid in ids]
        created = sum(insert_many(ctx, LoyaltyEntry.__table__, chunk, ignore_conflicts=True,
                                  audit_details={"kind": "birthday_bonus"})
                      for chunk in chunks(rows, 2000))
    return created


def expiry_reminders(ctx: Ctx) -> int:
    """One task per customer with points expiring within ``reminder_days``, for their rep.

    The task's ``rule_key`` names the customer and the first expiry date, so a customer gets
    one reminder per expiry date however often the job runs."""
    settings = programme(ctx)
    now = ctx.now()
    horizon = now + dt.timedelta(days=settings.reminder_days)
    with ctx.write() as session:
        soon: dict[int, tuple[int, dt.datetime]] = {}
        for lot in ledger.open_lots(ctx):
            if lot.expires_at is None or not now < lot.expires_at <= horizon:
                continue
            points, first = soon.get(lot.customer_id, (0, lot.expires_at))
            soon[lot.customer_id] = (points + lot.remaining, min(first, lot.expires_at))
        if not soon:
            return 0
        reps: dict[int, int | None] = {}
        for chunk in chunks(sorted(soon)):
            reps.update(session.execute(select(Customer.id, Customer.rep_id).where(
                Customer.brand_id == ctx.brand_id, Customer.id.in_(chunk),
                Customer.merged_into_id.is_(None))).all())
        assert ctx.brand is not None
        rows = []
        with use_locale(ctx.brand.default_locale):
            for cid, (points, first) in soon.items():
                if cid not in reps:
                    continue
                # The last valid day is the day before the expiry instant (local midnight).
                last_day = (first.astimezone(ctx.tz) - dt.timedelta(seconds=1)).date()
                rows.append(task_row(
                    ctx, rule_key=f"loyalty:expiry:{cid}:{last_day.isoformat()}",
                    kind=REMINDER_KIND, due_at=now, customer_id=cid, rep_id=reps[cid],
                    title=_("Remind the customer: %(points)s loyalty points expire after "
                            "%(date)s", points=points, date=last_day.isoformat()),
                    purpose=MARKETING))
        # Through the core: the contact gate is asked, a re-run creates nothing.
        return insert_tasks(ctx, rows)


def _job(name: str, fn: Callable[[Ctx], int], message: str, description: str
         ) -> ScheduledJob:
    """A scheduler job around ``fn``: its count in a :class:`JobResult` for ``tick``."""

    def run(ctx: Ctx) -> JobResult:
        n = fn(ctx)
        return JobResult(message=_(message, n=n), counts={name: n})

    return ScheduledJob(f"loyalty.{name}", run, description)


def scheduled_jobs() -> list[ScheduledJob]:
    """The module's jobs, in the order a tick should run them."""
    return [
        _job("points_expired", expire_points, N_("%(n)s points expired"),
             _("Expire loyalty points past their validity.")),
        _job("birthday_bonuses", birthday_bonuses, N_("%(n)s birthday bonuses given"),
             _("Give members their birthday bonus points.")),
        _job("tier_changes", evaluate_tiers, N_("%(n)s members changed tier"),
             _("Upgrade and downgrade members on their rolling 12-month metric.")),
        _job("reminders", expiry_reminders, N_("%(n)s expiry reminders created"),
             _("Create tasks for reps whose customers have points expiring soon.")),
    ]


def run_all(ctx: Ctx) -> dict[str, int]:
    """Run every job once (tests and ``directcrm loyalty run-jobs``): name → count."""
    out: dict[str, int] = {}
    for job in scheduled_jobs():
        result = job.run(ctx)  # type: ignore[operator]
        out.update(result.counts)
    return out
