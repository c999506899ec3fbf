"""The segmentation schemes as set-based SQL (window functions; SQLite ≥ 3.25, PostgreSQL).

Every scheme classifies every live customer of the brand from :func:`customer_stats` over
a window of local days, and yields rows ``(id, customer_ref, segment, net)`` where ``net``
is the net revenue in the window in cents. Definitions:

``abc`` (Pareto)
    Customers with positive net revenue in the window, sorted by net revenue descending,
    ties by ``customer_ref`` ascending. With ``before`` = the revenue of the customers
    ranked ahead and ``total`` = the revenue of all of them: ``A`` when
    ``before < a_share% × total`` (the shortest leading run whose cumulative revenue
    reaches at least a_share%, default 80), else ``B`` when ``before < b_share% × total``
    (default 95), else ``C``. Compared in integer cents. Customers without positive net
    revenue get ``-`` (not ranked).
``grid`` (A–E)
    ``A`` = no paid order ever (up to the window's end). Otherwise, with AOV = net revenue
    ÷ paid orders in the window (rounded half away from zero to the cent) and frequency =
    paid orders in the window: ``B`` both below the thresholds (also: no order in the
    window), ``C`` AOV at or above and frequency below, ``D`` AOV below and frequency at
    or above, ``E`` both at or above. Thresholds default to the medians among customers
    with a paid order in the window (the mean of the two middle values for an even
    count); a brand can fix either one.
``rfm``
    Among customers with a paid order in the window: recency (local day of the last paid
    order, later is better), frequency (paid orders) and monetary (net revenue), each
    scored 1–5 and written ``RFM`` like ``545``. Score = ⌈5 × k ÷ N⌉ where N is the number
    of scored customers and k the number whose value is at most as good as this
    customer's. Ties therefore share one score, the higher one (a customer is never
    scored below someone equal to them). Others get ``-``.
``size``
    Among customers with a paid order in the window: ``big`` when AOV ≥ big_aov and
    frequency ≥ big_frequency; ``medium`` when AOV ≥ medium_aov or frequency ≥
    medium_frequency; ``small`` otherwise. Others get ``-``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    FromClause,
    Integer,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    select,
)

from core.analytics.sql import Window, customer_stats, local_day_number
from core.context import Ctx
from core.services.settings import configure_area, get_setting
from core.settings_catalog import SEGMENT_SCHEMES

NOT_RANKED = "-"
SECTION = "segmentation"
SCHEMES = SEGMENT_SCHEMES  # declared with the settings that choose among them



def configure(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and store segmentation settings for the brand (keys of the
    ``segmentation`` area in :mod:`core.settings_catalog`)."""
    return configure_area(ctx, SECTION, values)


def _stats(ctx: Ctx, window: Window, given: FromClause | None, *,
           with_ever_paid: bool = False) -> FromClause:
    """The per-customer figures a scheme classifies: ``given`` (figures computed once for
    several schemes, see :func:`core.segmentation.services.recompute_segments`) or a CTE
    of :func:`customer_stats`."""
    if given is not None:
        return given
    return customer_stats(ctx, window, with_ever_paid=with_ever_paid).cte("stats")


def _basis_points(ctx: Ctx, key: str) -> int:
    return int(Decimal(str(get_setting(ctx, f"{SECTION}.{key}"))) * 100)


def _money_cents(value: Any) -> int:
    return int(Decimal(str(value)) * 100)


def _aov_cents(net: Any, orders: Any) -> Any:
    """net ÷ orders in cents, rounded half away from zero (integer arithmetic)."""
    n2 = func.nullif(orders, 0) * 2
    return case(
        (net >= 0, (net * 2 + orders) // n2),
        else_=-((-net * 2 + orders) // n2),
    )


def abc(ctx: Ctx, window: Window, stats: FromClause | None = None) -> Select[Any]:
    """The ABC (Pareto) classification; see the module docstring.

    One pass: the window functions are partitioned by "positive net revenue", so ranked
    and unranked customers never mix and no self-join is needed.
    """
    stats = _stats(ctx, window, stats)
    ranked = stats.c.net > 0
    cumulative = func.sum(stats.c.net).over(
        partition_by=ranked, order_by=(stats.c.net.desc(), stats.c.customer_ref.asc()),
        rows=(None, 0))
    before = cast(cumulative - stats.c.net, BigInteger)
    total = cast(func.sum(stats.c.net).over(partition_by=ranked), BigInteger)
    a_bp, b_bp = _basis_points(ctx, "abc_a_share"), _basis_points(ctx, "abc_b_share")
    segment = case(
        (stats.c.net <= 0, literal(NOT_RANKED)),
        (before * 10000 < total * a_bp, literal("A")),
        (before * 10000 < total * b_bp, literal("B")),
        else_=literal("C"))
    return select(stats.c.id, stats.c.customer_ref, segment.label("segment"), stats.c.net)


def _median_x2(buyers: Any, value: Any) -> Any:
    """Twice the median of ``value`` over ``buyers`` (an integer), as a scalar subquery."""
    ordered = select(value.label("v"),
                     func.row_number().over(order_by=value).label("rn"),
                     func.count().over().label("n")).select_from(buyers).subquery()
    lo = (ordered.c.n + 1) // 2
    hi = (ordered.c.n + 2) // 2
    return (select(func.sum(case((ordered.c.rn == lo, ordered.c.v), else_=0))
                   + func.sum(case((ordered.c.rn == hi, ordered.c.v), else_=0)))
            .scalar_subquery())


def grid(ctx: Ctx, window: Window, stats: FromClause | None = None) -> Select[Any]:
    """The A–E grid by AOV × frequency; see the module docstring."""
    stats = _stats(ctx, window, stats, with_ever_paid=True)
    buyers = select(stats.c.net, stats.c.orders).where(stats.c.orders > 0).subquery("buyers")
    fixed_aov = get_setting(ctx, "segmentation.grid_aov")
    fixed_freq = get_setting(ctx, "segmentation.grid_frequency")
    aov_x2: Any = (literal(2 * _money_cents(fixed_aov), BigInteger) if fixed_aov is not None
                   else _median_x2(buyers, _aov_cents(buyers.c.net, buyers.c.orders)))
    freq_x2: Any = (literal(2 * int(fixed_freq), BigInteger) if fixed_freq is not None
                    else _median_x2(buyers, buyers.c.orders))
    aov = _aov_cents(stats.c.net, stats.c.orders)
    high_aov = aov * 2 >= aov_x2
    high_freq = stats.c.orders * 2 >= freq_x2
    segment = case(
        (stats.c.ever_paid == 0, literal("A")),
        (stats.c.orders == 0, literal("B")),
        (high_aov & high_freq, literal("E")),
        (high_aov, literal("C")),
        (high_freq, literal("D")),
        else_=literal("B"))
    return select(stats.c.id, stats.c.customer_ref, segment.label("segment"), stats.c.net)


def _score(value: Any, partition: Any) -> Any:
    """⌈5 × k ÷ n⌉ within the partition: k = rows whose value is ≤ this one (the RANGE
    frame includes peers), n = all rows."""
    k = func.count().over(partition_by=partition, order_by=value)
    n = func.count().over(partition_by=partition)
    return cast((k * 5 + n - 1) // n, Integer)


def rfm(ctx: Ctx, window: Window, stats: FromClause | None = None) -> Select[Any]:
    """RFM quintile scores; see the module docstring. One pass: the window functions are
    partitioned by "bought in the window", so non-buyers never affect the scores."""
    stats = _stats(ctx, window, stats)
    buyer = stats.c.orders > 0
    last_day = local_day_number(ctx, stats.c.last_at, window.start, window.end)
    segment = case(
        (stats.c.orders == 0, literal(NOT_RANKED)),
        else_=(cast(_score(last_day, buyer), String) + cast(_score(stats.c.orders, buyer), String)
               + cast(_score(stats.c.net, buyer), String)))
    return select(stats.c.id, stats.c.customer_ref, segment.label("segment"), stats.c.net)


def size(ctx: Ctx, window: Window, stats: FromClause | None = None) -> Select[Any]:
    """Big / medium / small customers by thresholds; see the module docstring."""
    stats = _stats(ctx, window, stats)
    aov = _aov_cents(stats.c.net, stats.c.orders)
    segment = case(
        (stats.c.orders == 0, literal(NOT_RANKED)),
        ((aov >= _money_cents(get_setting(ctx, "segmentation.size_big_aov")))
         & (stats.c.orders >= int(get_setting(ctx, "segmentation.size_big_frequency"))),
         literal("big")),
        ((aov >= _money_cents(get_setting(ctx, "segmentation.size_medium_aov")))
         | (stats.c.orders >= int(get_setting(ctx, "segmentation.size_medium_frequency"))),
         literal("medium")),
        else_=literal("small"))
    return select(stats.c.id, stats.c.customer_ref, segment.label("segment"), stats.c.net)


BUILDERS = {"abc": abc, "grid": grid, "rfm": rfm, "size": size}
