"""Set-based SQL building blocks shared by segmentation, silent/churn lists and figures.

Money is summed as integer cents (exact on both databases: on SQLite ``Money`` is stored
as a text decimal, which SQLite would otherwise sum as a float). Business days are local
days of the brand's timezone: a window ``[first_day, last_day]`` becomes the UTC instants
``[start of first_day, start of the day after last_day)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)

from core.context import Ctx
from core.errors import ValidationFailed
from core.i18n import _
from core.models import Customer, Order, OrderLine, OrderStatus, Return

CENT = Decimal("0.01")
DAY_SECONDS = 86_400


def cents(column: Any) -> ColumnElement[int]:
    """A money column as whole cents (``BIGINT``): exact for amounts below 10^13."""
    return cast(func.round(type_coerce(column, Numeric()) * literal_column("100")), BigInteger)


def money(cents_value: int | None) -> Decimal:
    """Integer cents → ``Decimal`` with two places."""
    return Decimal(int(cents_value or 0)).scaleb(-2)  # exact: the exponent becomes -2


def ratio(numerator: int | Decimal, denominator: int | Decimal, places: str = "0.01"
          ) -> Decimal | None:
    """``numerator / denominator`` rounded half up, or None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant at which local ``day`` starts in ``tz``."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


@dataclass(frozen=True)
class Window:
    """Local days ``first_day..last_day`` (inclusive) and their UTC bounds ``[start, end)``."""

    first_day: dt.date | None
    last_day: dt.date
    start: dt.datetime | None
    end: dt.datetime

    @property
    def days(self) -> int:
        """Number of local days in the window (0 for a lifetime window)."""
        return 0 if self.first_day is None else (self.last_day - self.first_day).days + 1


EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2199, 12, 31)
MAX_WINDOW_DAYS = 3660  # ten years: a report window beyond that is refused, not run


def check_days(**days: dt.date | None) -> None:
    """A ValidationFailed naming each given day outside 1900-01-01..2199-12-31 (the
    calendar's limits overflow the local-time arithmetic)."""
    errors = {name: [_("Must be between %(first)s and %(last)s.",
                       first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat())]
              for name, day in days.items()
              if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY}
    if errors:
        raise ValidationFailed(errors)


def report_window(ctx: Ctx, as_of: dt.date, since: dt.date | None = None,
                  days: int = 365) -> Window:
    """:func:`make_window` for a report asked by a user: days within the calendar's
    limits, ``since`` not after ``as_of``, at most :data:`MAX_WINDOW_DAYS` long."""
    check_days(as_of=as_of, since=since)
    if since is not None and since > as_of:
        raise ValidationFailed({"since": [_("Must not be after the as-of date %(date)s.",
                                            date=as_of.isoformat())]})
    if since is not None and (as_of - since).days + 1 > MAX_WINDOW_DAYS:
        raise ValidationFailed({"since": [_("A window may cover at most %(n)s days.",
                                            n=MAX_WINDOW_DAYS)]})
    return make_window(ctx, as_of, since, days)


def make_window(ctx: Ctx, last_day: dt.date, first_day: dt.date | None = None,
                days: int = 365) -> Window:
    """The window of local days ending on ``last_day``: ``first_day`` or ``days`` long."""
    first = first_day or last_day - dt.timedelta(days=days - 1)
    return Window(first, last_day, day_start(first, ctx.tz),
                  day_start(last_day + dt.timedelta(days=1), ctx.tz))


def lifetime(ctx: Ctx, last_day: dt.date) -> Window:
    """Everything up to the end of local ``last_day``."""
    return Window(None, last_day, None, day_start(last_day + dt.timedelta(days=1), ctx.tz))


def epoch_seconds(ctx: Ctx, column: Any) -> ColumnElement[int]:
    """Seconds since 1970-01-01 UTC of a ``UTCDateTime`` column (whole seconds, floored)."""
    if ctx.session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def utc_offsets(tz: ZoneInfo, start: dt.datetime, end: dt.datetime
                ) -> list[tuple[dt.datetime | None, int]]:
    """``[(from_utc, offset_seconds)]`` for ``tz`` between ``start`` and ``end`` (the first
    entry has ``from_utc`` None). One entry unless a DST change falls in the range."""
    def offset(t: dt.datetime) -> int:
        return int(t.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    out: list[tuple[dt.datetime | None, int]] = [(None, offset(start))]
    t = start
    while t < end:
        nxt = t + dt.timedelta(days=1)  # offsets change at most once a day
        if offset(nxt) != out[-1][1]:
            lo, hi = t, nxt  # bisect the change to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, offset(hi)))
        t = nxt
    return out


def local_day_number(ctx: Ctx, column: Any, start: dt.datetime, end: dt.datetime
                     ) -> ColumnElement[int]:
    """Local day number (days since 1970-01-01 in the brand's timezone) of a timestamp
    column whose values lie in ``[start, end)``; exact across DST changes in that range."""
    offsets = utc_offsets(ctx.tz, start - dt.timedelta(days=1), end + dt.timedelta(days=1))
    if len(offsets) == 1:
        offset: Any = literal_column(str(offsets[0][1]), BigInteger)
    else:
        whens = [(column < changed_at, literal_column(str(prev), BigInteger))
                 for (changed_at, _), (_, prev) in zip(offsets[1:], offsets[:-1], strict=True)]
        offset = case(*whens, else_=literal_column(str(offsets[-1][1]), BigInteger))
    # Epochs here are positive, so integer division floors on both databases.
    return (epoch_seconds(ctx, column) + offset) // literal_column(str(DAY_SECONDS), BigInteger)


def day_number(day: dt.date) -> int:
    """The day number of a local date (days since 1970-01-01)."""
    return (day - dt.date(1970, 1, 1)).days


def paid_in(ctx: Ctx, start: dt.datetime | None, end: dt.datetime) -> ColumnElement[bool]:
    """Orders of the brand that are paid and were placed in ``[start, end)``."""
    cond = [Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID.value,
            Order.ordered_at < end]
    if start is not None:
        cond.append(Order.ordered_at >= start)
    return and_(*cond)


def customer_stats(ctx: Ctx, window: Window, *, with_ever_paid: bool = False,
                   rep_id: int | None = None) -> Select[Any]:
    """One row per live customer of the brand with their figures in the window.

    Columns: ``id``, ``customer_ref``, ``net`` (net revenue in cents: the amounts of the
    lines of paid orders placed in the window, minus what was refunded on those orders by
    the end of the window), ``orders`` (paid orders placed in the window), ``last_at``
    (the latest of those orders' times) and, with ``with_ever_paid``, ``ever_paid`` (paid
    orders placed before the window's end, at any time). ``rep_id`` limits the orders to
    those credited to that rep.
    """
    in_window = paid_in(ctx, window.start, window.end)
    if rep_id is not None:
        in_window = and_(in_window, Order.rep_id == rep_id)
    lines = (select(Order.customer_id.label("customer_id"),
                    cast(func.sum(cents(OrderLine.amount)), BigInteger).label("gross"))
             .join(OrderLine, OrderLine.order_id == Order.id)
             .where(in_window).group_by(Order.customer_id).subquery("lines"))
    orders = (select(Order.customer_id.label("customer_id"),
                     func.count(Order.id).label("orders"),
                     func.max(Order.ordered_at).label("last_at"))
              .where(in_window).group_by(Order.customer_id).subquery("win_orders"))
    refunds = (select(Order.customer_id.label("customer_id"),
                      cast(func.sum(cents(Return.amount)), BigInteger).label("refunded"))
               .join(Order, Order.id == Return.order_id)
               .where(in_window, Return.brand_id == ctx.brand_id,
                      Return.refunded_at.is_not(None), Return.refunded_at < window.end)
               .group_by(Order.customer_id).subquery("refunds"))
    net = (func.coalesce(lines.c.gross, 0) - func.coalesce(refunds.c.refunded, 0))
    cols: list[Any] = [Customer.id.label("id"), Customer.customer_ref.label("customer_ref"),
                       cast(net, BigInteger).label("net"),
                       cast(func.coalesce(orders.c.orders, 0), Integer).label("orders"),
                       orders.c.last_at.label("last_at")]
    stmt = (select(*cols).select_from(Customer)
            .outerjoin(orders, orders.c.customer_id == Customer.id)
            .outerjoin(lines, lines.c.customer_id == Customer.id)
            .outerjoin(refunds, refunds.c.customer_id == Customer.id)
            .where(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None)))
    if with_ever_paid:
        ever = (select(Order.customer_id.label("customer_id"),
                       func.count(Order.id).label("ever_paid"))
                .where(paid_in(ctx, None, window.end))
                .group_by(Order.customer_id).subquery("ever"))
        stmt = (stmt.add_columns(cast(func.coalesce(ever.c.ever_paid, 0), Integer)
                                 .label("ever_paid"))
                .outerjoin(ever, ever.c.customer_id == Customer.id))
    return stmt
