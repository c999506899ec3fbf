"""Task rules: the working standards of DOMAIN.md turned into tasks for the customer's rep.

Each rule is a function ``(ctx) -> int`` (tasks created) run by ``directcrm tick``. A rule
is one set-based ``SELECT`` over the brand (candidates not yet holding a task with the
rule's key: an anti-join on ``tasks.rule_key``) and one batched ``INSERT ... ON CONFLICT DO
NOTHING``; so re-running a tick never creates a task twice. Rules work in the brand's
timezone from ``ctx.now()``.

Settings (brand settings section ``tasks``; defaults in :data:`DEFAULTS`):

- ``profile_hours`` (24), ``profile_fields`` (phone, birthday, source_channel),
  ``profile_lookback_days`` (7): a customer created in the last 7 days with a missing field
  gets "complete the profile", due 24 h after creation. Key ``profile:<customer_id>``.
- ``followup_hours`` (48), ``followup_lookback_days`` (7): an order paid in the last 7 days
  with no interaction with its customer since the payment gets a follow-up due 48 h after
  payment. Key ``followup48:<order_id>``.
- ``a_class_tag`` ("abc:A"), ``a_monthly_due_day`` (None = last day of the month): an
  A-class customer (stored ABC segment ``A``, or tagged by hand) with no interaction yet in
  the current local month gets a contact task due at the end of that day.
  Key ``a_monthly:<customer_id>:<YYYY-MM>``.
- ``birthday_days_ahead`` (3): a customer whose birthday falls within the next 3 local days
  gets a greeting task due at the end of today. Key ``birthday:<customer_id>:<year>``;
  a 29 February birthday is celebrated on 28 February in other years.
- ``replenish_days_ahead`` (3), ``replenish_max_overdue_days`` (30): when the
  ``replenish_days`` of a product run out (counted from the customer's last paid purchase
  of it) within 3 days, or ran out at most 30 days ago, a reminder due on the day the
  cycle ends. Key ``replenish:<customer_id>:<sku>:<order_id>``.

- ``reps.certificate_warning_days`` (42): a rep certificate expiring within 42 days gets a
  renewal task for the back office (no rep, no customer). Key
  ``certificate:<rep_id>:<valid_until>``.

The owner is the customer's rep (for a follow-up, the order's rep when the customer has
none). Merged customers (``merged_into_id`` set) get no tasks.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
    union,
)

from core.context import Ctx
from core.db import Base
from core.i18n import N_, _, use_locale
from core.labels import register_stored_texts
from core.models import (
    Customer,
    CustomerTag,
    Interaction,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Rep,
    RepStatus,
    Task,
)
from core.services.settings import get_setting
from core.tasks.store import insert_tasks, task_row

# The titles the rules write (in the brand's language); shown in the reader's language.
register_stored_texts((
    N_("Complete the new customer's profile (phone, birthday, source)"),
    N_("First follow-up after the purchase"),
    N_("Monthly contact with an A-class customer (%(month)s)"),
    N_("Birthday greetings: the birthday is on %(date)s"),
    N_("Replenishment: %(product)s runs out around %(date)s"),
    N_("Renew the certificate of %(name)s (%(ref)s): %(number)s expires on %(date)s"),
    # the demo's reactivation tasks (core.demo)
    N_("Win back a churned customer: call and ask what changed"),
))


def local_end_of_day(ctx: Ctx, day: dt.date) -> dt.datetime:
    """23:59:59 of ``day`` in the brand's timezone, as aware UTC."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ctx.tz).astimezone(dt.UTC)


def local_start_of_day(ctx: Ctx, day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in the brand's timezone, as aware UTC."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ctx.tz).astimezone(dt.UTC)


def _key(prefix: str, *parts: ColumnElement[Any]) -> ColumnElement[str]:
    expr: ColumnElement[str] = literal(prefix, String)
    for i, part in enumerate(parts):
        if i:
            expr = expr + literal(":", String)
        expr = expr + cast(part, String)
    return expr


def _no_task(ctx: Ctx, key: ColumnElement[str]) -> ColumnElement[bool]:
    """Anti-join: no task of the brand has this rule key yet."""
    return ~exists().where(Task.brand_id == ctx.brand_id, Task.rule_key == key)


def _live_customers(ctx: Ctx) -> ColumnElement[bool]:
    return and_(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None))


def profile_rule(ctx: Ctx) -> int:
    """New customers with missing profile fields: complete within 24 h."""
    now = ctx.now()
    fields = [getattr(Customer, f) for f in get_setting(ctx, "tasks.profile_fields")]
    if not fields:
        return 0
    since = now - dt.timedelta(days=int(get_setting(ctx, "tasks.profile_lookback_days")))
    hours = dt.timedelta(hours=int(get_setting(ctx, "tasks.profile_hours")))
    stmt = (select(Customer.id, Customer.rep_id, Customer.created_at)
            .where(_live_customers(ctx), Customer.created_at > since, Customer.created_at <= now,
                   or_(*(f.is_(None) for f in fields)),
                   _no_task(ctx, _key("profile:", Customer.id))))
    with ctx.write() as session, use_locale(ctx.locale):
        title = _("Complete the new customer's profile (phone, birthday, source)")
        rows = [task_row(ctx, rule_key=f"profile:{cid}", kind="profile", title=title,
                         due_at=created + hours, customer_id=cid, rep_id=rep_id)
                for cid, rep_id, created in session.execute(stmt)]
        return insert_tasks(ctx, rows)


def followup_rule(ctx: Ctx) -> int:
    """Paid orders without a contact since payment: first follow-up within 48 h."""
    now = ctx.now()
    since = now - dt.timedelta(days=int(get_setting(ctx, "tasks.followup_lookback_days")))
    hours = dt.timedelta(hours=int(get_setting(ctx, "tasks.followup_hours")))
    contacted = exists().where(Interaction.brand_id == ctx.brand_id,
                               Interaction.customer_id == Order.customer_id,
                               Interaction.occurred_at >= Order.paid_at)
    stmt = (select(Order.id, Order.customer_id, func.coalesce(Customer.rep_id, Order.rep_id),
                   Order.paid_at)
            .join(Customer, Customer.id == Order.customer_id)
            .where(_live_customers(ctx), Order.brand_id == ctx.brand_id,
                   Order.status == OrderStatus.PAID, Order.paid_at > since,
                   Order.paid_at <= now, ~contacted,
                   _no_task(ctx, _key("followup48:", Order.id))))
    with ctx.write() as session, use_locale(ctx.locale):
        title = _("First follow-up after the purchase")
        rows = [task_row(ctx, rule_key=f"followup48:{oid}", kind="followup", title=title,
                         due_at=paid_at + hours, customer_id=cid, rep_id=rep_id)
                for oid, cid, rep_id, paid_at in session.execute(stmt)]
        return insert_tasks(ctx, rows)


def a_class_customer_ids(ctx: Ctx) -> Any:
    """``SELECT customer_id`` of the brand's A-class customers.

    A-class = the stored ABC segment ``A`` (table ``customer_segments``, scheme ``abc``, when
    segmentation is installed) or the tag named by the ``tasks.a_class_tag`` setting
    (default ``abc:A``), for brands that classify by hand.
    """
    tagged = select(CustomerTag.customer_id).where(
        CustomerTag.brand_id == ctx.brand_id,
        CustomerTag.tag == get_setting(ctx, "tasks.a_class_tag"))
    segments = Base.metadata.tables.get("customer_segments")
    if segments is None:
        return tagged
    return union(tagged, select(segments.c.customer_id).where(
        segments.c.brand_id == ctx.brand_id, segments.c.scheme == "abc",
        segments.c.segment == "A"))


def a_monthly_rule(ctx: Ctx) -> int:
    """A-class customers not yet contacted this local month: one contact a month."""
    today = ctx.local_today()
    month = f"{today.year:04d}-{today.month:02d}"
    month_start = local_start_of_day(ctx, today.replace(day=1))
    last_day = calendar.monthrange(today.year, today.month)[1]
    due_day = get_setting(ctx, "tasks.a_monthly_due_day") or last_day
    due_at = local_end_of_day(ctx, today.replace(day=min(int(due_day), last_day)))
    contacted = exists().where(Interaction.brand_id == ctx.brand_id,
                               Interaction.customer_id == Customer.id,
                               Interaction.occurred_at >= month_start)
    stmt = (select(Customer.id, Customer.rep_id)
            .where(_live_customers(ctx), Customer.id.in_(a_class_customer_ids(ctx)), ~contacted,
                   _no_task(ctx, _key("a_monthly:", Customer.id, literal(month, String)))))
    with ctx.write() as session, use_locale(ctx.locale):
        title = _("Monthly contact with an A-class customer (%(month)s)", month=month)
        rows = [task_row(ctx, rule_key=f"a_monthly:{cid}:{month}", kind="a_monthly",
                         title=title, due_at=due_at, customer_id=cid, rep_id=rep_id)
                for cid, rep_id in session.execute(stmt)]
        return insert_tasks(ctx, rows)


def birthday_rule(ctx: Ctx) -> int:
    """Birthdays within the next N local days (default 3): a greeting task due today."""
    today = ctx.local_today()
    due_at = local_end_of_day(ctx, today)
    rows: list[dict[str, Any]] = []
    with ctx.write() as session, use_locale(ctx.locale):
        for offset in range(int(get_setting(ctx, "tasks.birthday_days_ahead")) + 1):
            day = today + dt.timedelta(days=offset)
            dates = [(day.month, day.day)]
            if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
                dates.append((2, 29))
            match = or_(*(and_(extract("month", Customer.birthday) == m,
                               extract("day", Customer.birthday) == d) for m, d in dates))
            key = _key("birthday:", Customer.id, literal(str(day.year), String))
            stmt = (select(Customer.id, Customer.rep_id)
                    .where(_live_customers(ctx), Customer.birthday.is_not(None), match,
                           _no_task(ctx, key)))
            title = _("Birthday greetings: the birthday is on %(date)s", date=day.isoformat())
            rows += [task_row(ctx, rule_key=f"birthday:{cid}:{day.year}", kind="birthday",
                              title=title, due_at=due_at, customer_id=cid, rep_id=rep_id)
                     for cid, rep_id in session.execute(stmt)]
        return insert_tasks(ctx, rows)


def replenish_rule(ctx: Ctx) -> int:
    """A product's usage cycle ends soon after the customer's last paid purchase of it."""
    now = ctx.now()
    ahead = dt.timedelta(days=int(get_setting(ctx, "tasks.replenish_days_ahead")))
    overdue = dt.timedelta(days=int(get_setting(ctx, "tasks.replenish_max_overdue_days")))
    with ctx.write() as session, use_locale(ctx.locale):
        products = {pid: (sku, name, days) for pid, sku, name, days in session.execute(
            select(Product.id, Product.sku, Product.name, Product.replenish_days)
            .where(Product.brand_id == ctx.brand_id, Product.replenish_days.is_not(None)))}
        if not products:
            return 0
        # The last purchase must have been made between now - overdue - cycle and
        # now + ahead - cycle, per product.
        bounds = {pid: (now - overdue - dt.timedelta(days=days), now + ahead
                        - dt.timedelta(days=days)) for pid, (_s, _n, days) in products.items()}
        ranked = (select(Order.customer_id, OrderLine.product_id, Order.id.label("order_id"),
                         Order.ordered_at,
                         func.row_number().over(
                             partition_by=(Order.customer_id, OrderLine.product_id),
                             order_by=(Order.ordered_at.desc(), Order.id.desc())).label("rn"))
                  .join(OrderLine, OrderLine.order_id == Order.id)
                  .where(Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
                         OrderLine.product_id.in_(list(products)),
                         Order.ordered_at > min(lo for lo, _hi in bounds.values()))
                  .subquery())
        in_window = or_(*(and_(ranked.c.product_id == pid, ranked.c.ordered_at > lo,
                               ranked.c.ordered_at <= hi) for pid, (lo, hi) in bounds.items()))
        stmt = (select(ranked.c.customer_id, ranked.c.product_id, ranked.c.order_id,
                       ranked.c.ordered_at, Customer.rep_id)
                .join(Customer, Customer.id == ranked.c.customer_id)
                .where(_live_customers(ctx), ranked.c.rn == 1, in_window)
                .order_by(ranked.c.customer_id, ranked.c.product_id))
        rows = []
        for cid, pid, oid, ordered_at, rep_id in session.execute(stmt):
            sku, name, days = products[pid]
            due_at = ordered_at + dt.timedelta(days=days)
            rows.append(task_row(
                ctx, rule_key=f"replenish:{cid}:{sku}:{oid}", kind="replenish",
                title=_("Replenishment: %(product)s runs out around %(date)s", product=name,
                        date=due_at.astimezone(ctx.tz).date().isoformat()),
                due_at=due_at, customer_id=cid, rep_id=rep_id))
        return insert_tasks(ctx, rows)


def certificate_rule(ctx: Ctx) -> int:
    """Rep certificates expiring within ``reps.certificate_warning_days`` (default 42) or
    already expired, for an active or applicant rep: a task for the back office (no rep,
    no customer), due at the end of the day before the certificate lapses. Key
    ``certificate:<rep_id>:<valid_until>``, so a renewed certificate is warned about again."""
    limit = ctx.local_today() + dt.timedelta(
        days=int(get_setting(ctx, "reps.certificate_warning_days")))
    key = _key("certificate:", Rep.id, Rep.certificate_valid_until)
    stmt = (select(Rep.id, Rep.rep_ref, Rep.name, Rep.certificate_no,
                   Rep.certificate_valid_until)
            .where(Rep.brand_id == ctx.brand_id,
                   Rep.status.in_((RepStatus.ACTIVE, RepStatus.APPLICANT)),
                   Rep.certificate_valid_until.is_not(None),
                   Rep.certificate_valid_until <= limit, _no_task(ctx, key))
            .order_by(Rep.certificate_valid_until, Rep.id))
    with ctx.write() as session, use_locale(ctx.locale):
        rows = []
        for rid, ref, name, number, until in session.execute(stmt):
            title = _("Renew the certificate of %(name)s (%(ref)s): %(number)s expires on "
                      "%(date)s", name=name, ref=ref, number=number or "—",
                      date=until.isoformat())
            rows.append(task_row(ctx, rule_key=f"certificate:{rid}:{until.isoformat()}",
                                 kind="certificate", title=title,
                                 due_at=local_end_of_day(ctx, until - dt.timedelta(days=1)),
                                 customer_id=None, rep_id=None, purpose="service"))
        return insert_tasks(ctx, rows)


#: Every task rule, by name, in the order ``tick`` runs them.
RULES: dict[str, Callable[[Ctx], int]] = {
    "profile": profile_rule,
    "followup48": followup_rule,
    "a_monthly": a_monthly_rule,
    "birthday": birthday_rule,
    "replenish": replenish_rule,
    "certificate": certificate_rule,
}


def run_task_rules(ctx: Ctx) -> dict[str, int]:
    """Run every task rule for the brand; returns tasks created per rule."""
    return {name: rule(ctx) for name, rule in RULES.items()}


def generate_tasks(ctx: Ctx) -> int:
    """The scheduled job: run every rule, return the total of tasks created."""
    return sum(run_task_rules(ctx).values())
