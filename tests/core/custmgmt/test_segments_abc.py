"""ABC (Pareto) segmentation with hand-computed classes, ties and exact boundaries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from core.segmentation.services import compute_segments, summarize
from tests.core.custmgmt.helpers import customers, order, refund, seed_catalogue

AS_OF = dt.date(2026, 2, 28)  # default window: local days 2025-03-01 .. 2026-02-28


def seed(ctx):
    seed_catalogue(ctx)
    customers(ctx, "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
    order(ctx, "C1", "2025-06-01T10:00:00", "400.00")
    order(ctx, "C1", "2026-03-01T00:00:30", "999.00")      # after the as-of day: ignored
    order(ctx, "C2", "2025-07-01T10:00:00", "200.00")
    order(ctx, "C3", "2025-07-02T10:00:00", "120.00")
    order(ctx, "C3", "2025-08-02T10:00:00", "80.00")       # C3 = 200.00, ties C2
    o4 = order(ctx, "C4", "2025-09-01T10:00:00", "100.00")
    refund(ctx, o4, "30.00", "2026-03-01T10:00:00")         # refunded after the as-of day
    order(ctx, "C4", "2025-09-02T10:00:00", "777.00", status="pending")
    order(ctx, "C4", "2025-09-03T10:00:00", "888.00", status="cancelled")
    o5 = order(ctx, "C5", "2025-10-01T10:00:00", "100.00")
    refund(ctx, o5, "50.00", "2025-10-05T10:00:00")         # C5 = 100.00 − 50.00 = 50.00
    # 00:10 on 1 March in Shanghai is 16:10 UTC on 28 February: inside the local window
    order(ctx, "C6", "2025-03-01T00:10:00", "50.00")        # C6 = 50.00, ties C5
    order(ctx, "C7", "2025-02-28T23:59:00", "500.00")       # one minute before the window
    o9 = order(ctx, "C9", "2025-11-01T10:00:00", "70.00")
    refund(ctx, o9, "70.00", "2025-11-02T10:00:00")         # fully refunded: 0.00


def as_dict(rows):
    return {r.customer_ref: r.segment for r in rows}


def test_abc_exact_boundaries_ties_refunds_and_window(ctx_a):
    seed(ctx_a)
    rows = compute_segments(ctx_a, "abc", AS_OF)
    # Ranked: C1 400, C2 200, C3 200 (tie: C2 first by ref), C4 100, C5 50, C6 50 (tie).
    # Total 1000.00. Cumulative before each: C1 0, C2 400, C3 600, C4 800, C5 900, C6 950.
    # A while before < 80% (800): C1, C2, C3; C3 brings the total to exactly 80%.
    # B while before < 95% (950): C4 (800), C5 (900); C5 brings it to exactly 95%.
    # C: C6 (before 950 = 95%), which ties C5 and loses on customer_ref.
    assert as_dict(rows) == {"C1": "A", "C2": "A", "C3": "A", "C4": "B", "C5": "B",
                             "C6": "C", "C7": "-", "C8": "-", "C9": "-"}
    revenue = {r.customer_ref: r.net_revenue for r in rows}
    assert revenue["C4"] == Decimal("100.00") and revenue["C5"] == Decimal("50.00")
    assert revenue["C9"] == Decimal("0.00")
    summary = {s.segment: (s.customers, s.revenue, s.share) for s in summarize(rows)}
    # A 800/1000 = 80.00 %, B 150/1000 = 15.00 %, C 50/1000 = 5.00 %
    assert summary == {"A": (3, Decimal("800.00"), Decimal("80.00")),
                       "B": (2, Decimal("150.00"), Decimal("15.00")),
                       "C": (1, Decimal("50.00"), Decimal("5.00")),
                       "-": (3, Decimal("0.00"), Decimal("0.00"))}


def test_abc_since_overrides_the_window(ctx_a):
    seed(ctx_a)
    rows = compute_segments(ctx_a, "abc", AS_OF, since=dt.date(2025, 2, 28))
    # C7's 500.00 now counts: total 1500. Order C7 500, C1 400, C2 200, C3 200, C4 100,
    # C5 50, C6 50. Before: 0, 500, 900, 1100, 1300, 1400, 1450.
    # 80% = 1200: A = C7, C1, C2, C3 (1100 < 1200); 95% = 1425: B = C4 (1300), C5 (1400);
    # C = C6 (1450 ≥ 1425).
    assert as_dict(rows) == {"C1": "A", "C2": "A", "C3": "A", "C4": "B", "C5": "B",
                             "C6": "C", "C7": "A", "C8": "-", "C9": "-"}


def test_abc_brand_shares(ctx_a):
    from core.segmentation.schemes import configure

    seed(ctx_a)
    configure(ctx_a, {"abc_a_share": "50", "abc_b_share": "90"})
    rows = compute_segments(ctx_a, "abc", AS_OF)
    # 50% = 500: A = C1 (0), C2 (400 < 500); 90% = 900: B = C3 (600), C4 (800); C = C5, C6.
    assert as_dict(rows) == {"C1": "A", "C2": "A", "C3": "B", "C4": "B", "C5": "C",
                             "C6": "C", "C7": "-", "C8": "-", "C9": "-"}


def test_abc_other_brand_is_invisible(ctx_a, ctx_b):
    seed(ctx_a)
    assert compute_segments(ctx_b, "abc", AS_OF) == []


def test_segments_cli_prints_and_stores_only_when_asked(ctx_a, rt, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy import func, select

    from core.cli import common
    from core.cli.common import cli
    from core.segmentation.models import CustomerSegment

    seed(ctx_a)
    monkeypatch.setattr(common, "_runtime", rt)
    args = ["segments", "--brand", "A", "--scheme", "abc", "--as-of", "2026-02-28"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    # the table: each value with its meaning; the scheme and its explanation on stderr
    top, mid, rest, none = ("A: top 80% of revenue", "B: next 15% of revenue",
                            "C: last 5% of revenue", "Not ranked (no revenue)")
    assert result.stdout.splitlines() == [
        "customer_ref,segment", f"C1,{top}", f"C2,{top}", f"C3,{top}", f"C4,{mid}",
        f"C5,{mid}", f"C6,{rest}", f"C7,{none}", f"C8,{none}", f"C9,{none}"]
    assert result.stderr.splitlines() == [
        "ABC (Pareto): A: the customers who bring 80% of the revenue; B: the next 15%; "
        "C: the rest."]
    coded = CliRunner().invoke(cli, [*args, "--format", "json"])  # JSON keeps the codes
    assert [r["segment"] for r in json.loads(coded.stdout)] == [
        "A", "A", "A", "B", "B", "C", "-", "-", "-"]
    stored = select(func.count()).select_from(CustomerSegment)
    assert ctx_a.session.scalar(stored) == 0
    result = CliRunner().invoke(cli, [*args, "--summary", "--store"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "segment,customers,revenue,share", f"{top},3,800.00,80.00", f"{mid},2,150.00,15.00",
        f"{rest},1,50.00,5.00", f"{none},3,0.00,0.00"]
    ctx_a.session.rollback()  # end this session's read snapshot
    assert ctx_a.session.scalar(stored) == 9
    bad = CliRunner().invoke(cli, [*args, "--since", "2026-03-01"])
    assert bad.exit_code == 1 and "since" in bad.output
