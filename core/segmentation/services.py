"""Segmentation services: compute a scheme for a brand, summarise it, store it with its
history, and query the moves ("who moved from B to E this month").

Computing never writes. Storing compares the new segments with the stored ones and, for
the customers whose segment changed, appends a history row, updates the current segment
and fires ``crm_customer_segment_changed`` once for the batch. Recomputing with the same
data therefore changes nothing and fires nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, FromClause, MetaData, Table, insert, select, update

from core.analytics.sql import Window, customer_stats, money, ratio, report_window
from core.bulk import insert_many
from core.context import Ctx
from core.errors import ValidationFailed
from core.events import SegmentChange
from core.i18n import _
from core.models import Brand, Customer
from core.segmentation.models import CustomerSegment, CustomerSegmentChange
from core.segmentation.schemes import BUILDERS, NOT_RANKED
from core.services.scoping import policy
from core.services.settings import get_setting
from core.settings_catalog import SEGMENT_SCHEMES as SCHEMES


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One customer's segment, with their net revenue in the window."""

    customer_id: int
    customer_ref: str
    segment: str
    net_revenue: Decimal


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """Customers and net revenue of one segment; ``share`` is the percentage of the net
    revenue of all ranked customers (those not in segment ``-``), None when that is 0."""

    segment: str
    customers: int
    revenue: Decimal
    share: Decimal | None


@dataclass(frozen=True, slots=True)
class SegmentMove:
    """A stored change of segment."""

    customer_id: int
    customer_ref: str
    old: str | None
    new: str
    as_of: dt.date


def check_scheme(scheme: str) -> None:
    """Raise a field error unless ``scheme`` is one of :data:`SCHEMES`."""
    if scheme not in SCHEMES:
        raise ValidationFailed({"scheme": [_("Must be one of: %(choices)s.",
                                             choices=", ".join(SCHEMES))]})


def segment_window(ctx: Ctx, as_of: dt.date | None = None, since: dt.date | None = None
                   ) -> Window:
    """The window of a computation: local days ``since..as_of``; ``as_of`` defaults to
    today and ``since`` to ``window_days`` (365) days ending on ``as_of``."""
    return report_window(ctx, as_of or ctx.local_today(), since,
                         days=int(get_setting(ctx, "segmentation.window_days")))


def compute_segments(ctx: Ctx, scheme: str, as_of: dt.date | None = None,
                     since: dt.date | None = None, *, stats: FromClause | None = None
                     ) -> list[SegmentRow]:
    """Every live customer of the brand with their segment in ``scheme``, by customer_ref.

    One SQL statement per scheme (window functions), no query per customer. ``stats``:
    the window's per-customer figures already computed (:func:`shared_stats`).
    """
    check_scheme(scheme)
    window = segment_window(ctx, as_of, since)
    stmt = BUILDERS[scheme](ctx, window, stats)
    sub = stmt.subquery()
    rows = ctx.session.execute(select(sub).order_by(sub.c.customer_ref))
    return [SegmentRow(r.id, r.customer_ref, r.segment, money(r.net)) for r in rows]


def summarize(rows: list[SegmentRow]) -> list[SegmentSummary]:
    """Count and net revenue per segment, with each segment's share of ranked revenue."""
    counts: dict[str, int] = {}
    revenue: dict[str, Decimal] = {}
    for row in rows:
        counts[row.segment] = counts.get(row.segment, 0) + 1
        revenue[row.segment] = revenue.get(row.segment, Decimal("0.00")) + row.net_revenue
    total = sum((v for k, v in revenue.items() if k != NOT_RANKED), Decimal("0.00"))
    return [SegmentSummary(seg, counts[seg], revenue[seg],
                           ratio(revenue[seg] * 100, total))
            for seg in sorted(counts, key=lambda s: (s == NOT_RANKED, s))]


def _lock_brand(ctx: Ctx) -> None:
    """Serialise segment writers of one brand (SQLite's BEGIN IMMEDIATE already does)."""
    if ctx.session.get_bind().dialect.name != "sqlite":
        ctx.session.execute(select(Brand.id).where(Brand.id == ctx.brand_id).with_for_update())


def store_segments(ctx: Ctx, scheme: str, as_of: dt.date, rows: list[SegmentRow]
                   ) -> list[SegmentChange]:
    """Store computed segments; append history and fire the hook for the changes only."""
    check_scheme(scheme)
    now = ctx.now()
    with ctx.write() as session:
        _lock_brand(ctx)
        current = {cid: (rid, seg) for cid, rid, seg in session.execute(
            select(CustomerSegment.customer_id, CustomerSegment.id, CustomerSegment.segment)
            .where(CustomerSegment.brand_id == ctx.brand_id, CustomerSegment.scheme == scheme))}
        changes: list[SegmentChange] = []
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for row in rows:
            rid, old = current.get(row.customer_id, (None, None))
            if old == row.segment:
                continue
            changes.append(SegmentChange(customer_id=row.customer_id, old=old,
                                         new=row.segment, as_of=as_of))
            values = {"segment": row.segment, "as_of": as_of, "updated_at": now}
            if rid is None:
                inserts.append({"brand_id": ctx.brand_id, "customer_id": row.customer_id,
                                "scheme": scheme, **values})
            else:
                updates.append({"id": rid, "brand_id": ctx.brand_id, **values})
        if not changes:
            return []
        insert_many(ctx, CustomerSegmentChange.__table__, [
            {"brand_id": ctx.brand_id, "customer_id": c.customer_id, "scheme": scheme,
             "old_segment": c.old, "new_segment": c.new, "as_of": as_of,
             "recorded_at": now, "recorded_by": ctx.user} for c in changes],
            audit_details={"scheme": scheme, "as_of": as_of.isoformat()})
        if updates:
            session.execute(update(CustomerSegment), updates)
        if inserts:
            insert_many(ctx, CustomerSegment.__table__, inserts,
                        audit_details={"scheme": scheme})
        ctx.hooks.crm_customer_segment_changed(ctx=ctx, scheme=scheme, changes=changes)
    return changes


def recompute(ctx: Ctx, scheme: str, as_of: dt.date | None = None,
              since: dt.date | None = None) -> tuple[list[SegmentRow], list[SegmentChange]]:
    """Compute and store one scheme; returns the rows and the stored changes."""
    as_of = as_of or ctx.local_today()
    rows = compute_segments(ctx, scheme, as_of, since)
    return rows, store_segments(ctx, scheme, as_of, rows)


def recompute_segments(ctx: Ctx) -> dict[str, int]:
    """Scheduled job: store every scheme in the brand's ``nightly_schemes`` as of today
    (brand timezone). Idempotent. Returns the number of changes per scheme.

    The per-customer figures are computed once for all the schemes (the aggregate over the
    order lines is most of each scheme's cost).
    """
    as_of = ctx.local_today()
    schemes = get_setting(ctx, "segmentation.nightly_schemes")
    with shared_stats(ctx, segment_window(ctx, as_of)) as stats:
        computed = {scheme: compute_segments(ctx, scheme, as_of, stats=stats)
                    for scheme in schemes}
    return {scheme: len(store_segments(ctx, scheme, as_of, rows))
            for scheme, rows in computed.items()}


def recompute_all(ctx: Ctx, progress: Callable[[float], None] | None = None
                  ) -> dict[str, Any]:
    """The brand's full recompute: every scheme (:data:`SCHEMES`, whatever the nightly
    setting) stored as of today (brand timezone). Idempotent: a second run stores and
    fires nothing. ``progress(percent)`` hears how far it got. Returns ``as_of``,
    ``customers`` (live customers segmented) and ``changes`` per scheme."""
    report = progress or (lambda percent: None)
    as_of = ctx.local_today()
    steps = 2 * len(SCHEMES)
    computed: dict[str, list[SegmentRow]] = {}
    with shared_stats(ctx, segment_window(ctx, as_of)) as stats:
        for i, scheme in enumerate(SCHEMES):
            computed[scheme] = compute_segments(ctx, scheme, as_of, stats=stats)
            report(100 * (i + 1) / steps)
    ctx.session.rollback()  # end the read transaction: each scheme is stored in its own
    changes: dict[str, int] = {}
    for i, (scheme, rows) in enumerate(computed.items()):
        changes[scheme] = len(store_segments(ctx, scheme, as_of, rows))
        report(100 * (len(SCHEMES) + i + 1) / steps)
    customers = len(next(iter(computed.values()), []))
    return {"as_of": as_of.isoformat(), "customers": customers, "changes": changes}


@contextmanager
def shared_stats(ctx: Ctx, window: Window) -> Iterator[FromClause]:
    """The window's per-customer figures (:func:`customer_stats`, with ``ever_paid``) in a
    temporary table of the session's connection, dropped on exit. Use it inside one
    transaction: the connection, and so the table, may change after a commit."""
    query = customer_stats(ctx, window, with_ever_paid=True).subquery()
    table = Table(f"segment_stats_{uuid.uuid4().hex[:12]}", MetaData(),
                  *(Column(c.name, c.type) for c in query.c), prefixes=["TEMPORARY"])
    conn = ctx.session.connection()
    table.create(conn)
    try:
        conn.execute(insert(table).from_select(list(query.c.keys()), select(query)))
        yield table
    finally:
        table.drop(conn)


def segment_moves(ctx: Ctx, scheme: str, first_day: dt.date, last_day: dt.date, *,
                  from_segment: str | None = None, to_segment: str | None = None
                  ) -> list[SegmentMove]:
    """Stored moves in ``scheme`` with an as-of date in ``first_day..last_day``, optionally
    only from and/or to given segments ("moved from B to E this month")."""
    check_scheme(scheme)
    h = CustomerSegmentChange
    stmt = (select(h.customer_id, Customer.customer_ref, h.old_segment, h.new_segment, h.as_of)
            .join(Customer, Customer.id == h.customer_id)
            .where(h.brand_id == ctx.brand_id, h.scheme == scheme,
                   h.as_of >= first_day, h.as_of <= last_day))
    if from_segment is not None:
        stmt = stmt.where(h.old_segment == from_segment)
    if to_segment is not None:
        stmt = stmt.where(h.new_segment == to_segment)
    stmt = stmt.where(*policy(ctx, Customer))
    return [SegmentMove(*r) for r in ctx.session.execute(
        stmt.order_by(h.as_of, Customer.customer_ref, h.id))]


def customer_segments(ctx: Ctx, customer_id: int) -> dict[str, str]:
    """The stored current segment of one customer per scheme (for the customer page)."""
    return dict(ctx.session.execute(
        select(CustomerSegment.scheme, CustomerSegment.segment)
        .where(CustomerSegment.brand_id == ctx.brand_id,
               CustomerSegment.customer_id == customer_id)).all())


@dataclass(frozen=True, slots=True)
class StoredScheme:
    """What is stored of one scheme for the brand: the latest as-of date and the number of
    customers per segment."""

    scheme: str
    as_of: dt.date | None
    counts: list[tuple[str, int]]

    @property
    def customers(self) -> int:
        """Customers with a stored segment in the scheme."""
        return sum(n for _segment, n in self.counts)


def stored_overview(ctx: Ctx) -> list[StoredScheme]:
    """Every scheme's stored segments for the brand (the segmentation page)."""
    from sqlalchemy import func

    s = CustomerSegment
    counts: dict[str, list[tuple[str, int]]] = {}
    latest: dict[str, dt.date] = {}
    for scheme, segment, n, as_of in ctx.session.execute(
            select(s.scheme, s.segment, func.count(), func.max(s.as_of))
            .where(s.brand_id == ctx.brand_id).group_by(s.scheme, s.segment)
            .order_by(s.scheme, s.segment)):
        counts.setdefault(scheme, []).append((segment, int(n)))
        if as_of is not None and (scheme not in latest or as_of > latest[scheme]):
            latest[scheme] = as_of
    ctx.session.rollback()
    return [StoredScheme(scheme, latest.get(scheme),
                         sorted(counts.get(scheme, []), key=lambda c: (c[0] == NOT_RANKED, c[0])))
            for scheme in SCHEMES]
