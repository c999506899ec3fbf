"""Stored segments: history, the change hook once per batch, idempotent recomputation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.hookspecs import hookimpl
from core.models import Customer
from core.segmentation.models import CustomerSegmentChange
from core.segmentation.services import (
    customer_segments,
    recompute,
    recompute_segments,
    segment_moves,
)
from core.services.modules import enable_modules
from core.services.scoping import get_by_ref
from tests.core.custmgmt.helpers import order
from tests.core.custmgmt.test_segments_abc import AS_OF, seed
from tests.core.test_modules import registry_with


class SegmentRecorder:
    def __init__(self):
        self.calls = []

    @hookimpl
    def crm_customer_segment_changed(self, ctx, scheme, changes):
        self.calls.append((ctx.brand.code, scheme, list(changes)))


def test_history_hook_and_idempotence(ctx_a, clock):
    rec = SegmentRecorder()
    ctx_a.registry = registry_with(({"name": "rec", "version": "1"}, rec))
    enable_modules(ctx_a, ["rec"])
    seed(ctx_a)
    refs = {c.id: c.customer_ref for c in ctx_a.session.scalars(select(Customer))}

    rows, changes = recompute(ctx_a, "abc", AS_OF)
    # First computation: every customer gets a segment, old None (see the ABC test).
    assert len(changes) == 9 and all(c.old is None for c in changes)
    assert len(rec.calls) == 1 and rec.calls[0][:2] == ("A", "abc")
    assert len(rec.calls[0][2]) == 9

    # Same data, same date: nothing changes and the hook is not called.
    assert recompute(ctx_a, "abc", AS_OF)[1] == []
    assert len(rec.calls) == 1
    count = select(func.count()).select_from(CustomerSegmentChange)
    assert ctx_a.session.scalar(count) == 9

    clock.advance(days=20)
    order(ctx_a, "C8", "2026-03-10T10:00:00", "1000.00")
    as_of = dt.date(2026, 3, 15)
    _, changes = recompute(ctx_a, "abc", as_of)
    # Window 2025-03-16..2026-03-15: C6's March 2025 order leaves; C1's 999.00 of 1 March
    # and C4's refund of 30.00 on 1 March now count; C8 buys 1000.00.
    # C1 1399, C8 1000, C2 200, C3 200, C4 70, C5 50: total 2919; 80% = 2335.2, 95% =
    # 2773.05. Before: C1 0 → A, C8 1399 → A, C2 2399 → B, C3 2599 → B, C4 2799 → C,
    # C5 2869 → C. Moves: C2 A→B, C3 A→B, C4 B→C, C5 B→C, C6 C→-, C8 -→A.
    got = sorted((refs[c.customer_id], c.old, c.new, c.as_of) for c in changes)
    assert got == [("C2", "A", "B", as_of), ("C3", "A", "B", as_of), ("C4", "B", "C", as_of),
                   ("C5", "B", "C", as_of), ("C6", "C", "-", as_of), ("C8", "-", "A", as_of)]
    assert len(rec.calls) == 2 and len(rec.calls[1][2]) == 6
    assert ctx_a.session.scalar(count) == 15

    moves = segment_moves(ctx_a, "abc", dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                          from_segment="A", to_segment="B")
    assert [(m.customer_ref, m.old, m.new, m.as_of) for m in moves] == [
        ("C2", "A", "B", as_of), ("C3", "A", "B", as_of)]
    # February holds only the first computation
    assert len(segment_moves(ctx_a, "abc", dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == 9
    c8 = get_by_ref(ctx_a, Customer, "C8")
    assert customer_segments(ctx_a, c8.id) == {"abc": "A"}


def test_nightly_job_stores_configured_schemes_once(ctx_a, ctx_b):
    from core.segmentation.schemes import configure

    seed(ctx_a)
    configure(ctx_a, {"nightly_schemes": ["abc", "size"]})
    # Today in Shanghai is 2026-03-02 (clock 02:00 UTC): 9 customers per scheme
    assert recompute_segments(ctx_a) == {"abc": 9, "size": 9}
    assert recompute_segments(ctx_a) == {"abc": 0, "size": 0}
    assert recompute_segments(ctx_b) == {"abc": 0, "grid": 0, "rfm": 0, "size": 0}


def test_nightly_job_stores_what_each_scheme_computes_alone(ctx_a):
    """The nightly job computes the customer figures once for all schemes; what it stores
    must equal each scheme computed on its own (its own aggregate), and it leaves no
    scratch table behind."""
    from sqlalchemy import inspect, text

    from core.segmentation.models import CustomerSegment
    from core.segmentation.services import compute_segments

    seed(ctx_a)
    today = ctx_a.local_today()
    alone = {scheme: {r.customer_id: r.segment for r in compute_segments(ctx_a, scheme, today)}
             for scheme in ("abc", "grid", "rfm", "size")}
    ctx_a.session.rollback()
    assert recompute_segments(ctx_a) == {scheme: 9 for scheme in alone}
    stored: dict[str, dict[int, str]] = {}
    for scheme, customer_id, segment in ctx_a.session.execute(
            select(CustomerSegment.scheme, CustomerSegment.customer_id, CustomerSegment.segment)):
        stored.setdefault(scheme, {})[customer_id] = segment
    assert stored == alone
    # the schemes disagree somewhere, so a mix-up of one scheme's rows would show
    assert len({tuple(sorted(v.values())) for v in alone.values()}) == 4
    conn = ctx_a.session.connection()
    if conn.dialect.name == "sqlite":
        temporary = inspect(conn).get_temp_table_names()
    else:
        temporary = list(conn.execute(text(
            "SELECT relname FROM pg_class WHERE relpersistence = 't'")).scalars())
    assert not [t for t in temporary if t.startswith("segment_stats_")]
