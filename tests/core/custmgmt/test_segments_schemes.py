"""Grid (A–E), RFM and size schemes with hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ValidationFailed
from core.segmentation.schemes import configure
from core.segmentation.services import compute_segments
from tests.core.custmgmt.helpers import customers, order, refund, seed_catalogue

AS_OF = dt.date(2026, 2, 28)  # default window: local days 2025-03-01 .. 2026-02-28


def as_dict(rows):
    return {r.customer_ref: r.segment for r in rows}


def seed_grid(ctx):
    seed_catalogue(ctx)
    customers(ctx, "G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8")
    order(ctx, "G2", "2024-12-01T10:00:00", "100.00")         # before the window only
    order(ctx, "G3", "2025-06-01T10:00:00", "100.00")         # AOV 100.00, 1 order
    order(ctx, "G4", "2025-06-01T10:00:00", "150.00")
    order(ctx, "G4", "2025-07-01T10:00:00", "150.00")         # AOV 150.00, 2 orders
    for day in (1, 2, 3):
        order(ctx, "G5", f"2025-08-0{day}T10:00:00", "10.00")  # AOV 10.00, 3 orders
    order(ctx, "G6", "2025-09-01T10:00:00", "300.00")         # AOV 300.00, 1 order
    order(ctx, "G7", "2025-10-01T10:00:00", "100.00")
    order(ctx, "G7", "2025-10-02T10:00:00", "100.01")         # 200.01 / 2 = 100.005 → 100.01
    o8 = order(ctx, "G8", "2025-04-01T10:00:00", "60.00")
    order(ctx, "G8", "2025-04-02T10:00:00", "60.00")
    refund(ctx, o8, "20.00", "2025-04-03T10:00:00")           # (120 − 20) / 2 = AOV 50.00


def test_grid_medians_even_count(ctx_a):
    seed_grid(ctx_a)
    # Buyers G3..G8. AOVs sorted: 10.00, 50.00, 100.00, 100.01, 150.00, 300.00 → median
    # (100.00 + 100.01) / 2 = 100.005. Frequencies sorted 1,1,2,2,2,3 → median 2.
    # G3 100.00 < 100.005, 1 < 2 → B; G4 150 ≥, 2 ≥ → E; G5 10 <, 3 ≥ → D;
    # G6 300 ≥, 1 < → C; G7 100.01 ≥, 2 ≥ → E; G8 50 <, 2 ≥ → D.
    # G1 never paid → A; G2 paid before the window only → B.
    assert as_dict(compute_segments(ctx_a, "grid", AS_OF)) == {
        "G1": "A", "G2": "B", "G3": "B", "G4": "E", "G5": "D", "G6": "C", "G7": "E",
        "G8": "D"}


def test_grid_medians_odd_count(ctx_a):
    seed_grid(ctx_a)
    # Since 2025-05-01 G8 drops out (B: paid before). Buyers G3..G7: AOVs 10, 100.00,
    # 100.01, 150, 300 → median 100.01; frequencies 1,1,2,2,3 → median 2.
    # G3 100.00 < 100.01 → B; G7 100.01 ≥ 100.01 and 2 ≥ 2 → E.
    rows = compute_segments(ctx_a, "grid", AS_OF, since=dt.date(2025, 5, 1))
    assert as_dict(rows) == {"G1": "A", "G2": "B", "G3": "B", "G4": "E", "G5": "D",
                             "G6": "C", "G7": "E", "G8": "B"}


def test_grid_fixed_thresholds(ctx_a):
    seed_grid(ctx_a)
    configure(ctx_a, {"grid_aov": "100.00", "grid_frequency": 3})
    # AOV ≥ 100.00: G3, G4, G6, G7; frequency ≥ 3: G5 only.
    assert as_dict(compute_segments(ctx_a, "grid", AS_OF)) == {
        "G1": "A", "G2": "B", "G3": "C", "G4": "C", "G5": "D", "G6": "C", "G7": "C",
        "G8": "B"}


def test_rfm_scores_with_ties_in_local_days(ctx_a):
    seed_catalogue(ctx_a)
    customers(ctx_a, "R1", "R2", "R3", "R4", "R5", "R6", "R7")
    order(ctx_a, "R1", "2025-12-01T10:00:00", "100.00")
    order(ctx_a, "R1", "2026-01-01T10:00:00", "100.00")
    order(ctx_a, "R1", "2026-02-28T23:30:00", "100.00")   # 15:30 UTC on the 28th
    order(ctx_a, "R2", "2026-02-28T00:30:00", "50.00")    # 16:30 UTC on the 27th
    order(ctx_a, "R3", "2026-01-05T10:00:00", "150.00")
    order(ctx_a, "R3", "2026-01-10T10:00:00", "150.00")
    order(ctx_a, "R4", "2025-12-01T10:00:00", "20.00")
    for month in (2, 3, 4, 5, 6):
        order(ctx_a, "R5", f"2025-0{month}-01T10:00:00", "200.00")  # Feb is outside
    order(ctx_a, "R5", "2025-01-15T10:00:00", "5.00")     # outside the window
    order(ctx_a, "R6", "2025-03-01T00:30:00", "10.00")    # first local day of the window
    # N = 6 buyers; score = ceil(5k/6), k = buyers at most as good (ties count in full).
    # Recency by local day, oldest first: R6 k1→1, R5 k2→2, R4 k3→3, R3 k4→4,
    #   R1 and R2 share 28 Feb (local) → k6→5.
    # Frequency: R5 has 4 orders in the window (Mar–Jun), R1 3, R3 2, R2/R4/R6 1.
    #   1 (R2,R4,R6) k3→3; 2 (R3) k4→4; 3 (R1) k5→5; 4 (R5) k6→5.
    # Monetary: R6 10 k1→1; R4 20 k2→2; R2 50 k3→3; R1 300 and R3 300 k5→5; R5 800 k6→5.
    assert as_dict(compute_segments(ctx_a, "rfm", AS_OF)) == {
        "R1": "555", "R2": "533", "R3": "445", "R4": "332", "R5": "255", "R6": "131",
        "R7": "-"}


def seed_size(ctx):
    seed_catalogue(ctx)
    customers(ctx, "S1", "S2", "S3", "S4", "S5", "S6", "S7")
    for day in range(1, 7):
        order(ctx, "S1", f"2025-05-0{day}T10:00:00", "1000.00")  # AOV 1000, 6 orders
    for day in range(1, 6):
        order(ctx, "S2", f"2025-06-0{day}T10:00:00", "1000.00")  # AOV 1000, 5 orders
    order(ctx, "S3", "2025-07-01T10:00:00", "300.00")
    order(ctx, "S4", "2025-07-01T10:00:00", "299.99")
    for day in (1, 2, 3):
        order(ctx, "S5", f"2025-08-0{day}T10:00:00", "10.00")
    for day in (1, 2):
        order(ctx, "S6", f"2025-08-0{day}T10:00:00", "10.00")


def test_size_default_thresholds(ctx_a):
    seed_size(ctx_a)
    # big: AOV ≥ 1000.00 and ≥ 6 orders; medium: AOV ≥ 300.00 or ≥ 3 orders.
    assert as_dict(compute_segments(ctx_a, "size", AS_OF)) == {
        "S1": "big", "S2": "medium", "S3": "medium", "S4": "small", "S5": "medium",
        "S6": "small", "S7": "-"}


def test_size_brand_thresholds(ctx_a):
    seed_size(ctx_a)
    configure(ctx_a, {"size_big_aov": "299.99", "size_big_frequency": 1,
                      "size_medium_aov": "100", "size_medium_frequency": 3})
    # big: AOV ≥ 299.99 (S1..S4); medium: S5 by 3 orders; S6 AOV 10, 2 orders → small.
    assert as_dict(compute_segments(ctx_a, "size", AS_OF)) == {
        "S1": "big", "S2": "big", "S3": "big", "S4": "big", "S5": "medium",
        "S6": "small", "S7": "-"}


def test_bad_settings_and_scheme_are_named(ctx_a):
    with pytest.raises(ValidationFailed) as exc:
        configure(ctx_a, {"size_big_aov": "abc", "window_days": 0, "abc_b_share": "101",
                          "colour": 1})
    assert set(exc.value.errors) == {"size_big_aov", "window_days", "abc_b_share", "colour"}
    with pytest.raises(ValidationFailed) as exc:
        compute_segments(ctx_a, "xyz", AS_OF)
    assert set(exc.value.errors) == {"scheme"}
    with pytest.raises(ValidationFailed) as exc:
        compute_segments(ctx_a, "abc", AS_OF, since=dt.date(2026, 3, 1))
    assert set(exc.value.errors) == {"since"}


def test_rfm_recency_days_across_a_dst_change(make_ctx, brands):
    from core.services.brands import create_brand

    create_brand(make_ctx(), {"code": "EU", "name": "Brand EU", "currency": "EUR",
                              "timezone": "Europe/Berlin", "jurisdiction": "EU",
                              "locale": "en"})
    ctx = make_ctx("EU")
    seed_catalogue(ctx)
    customers(ctx, "E1", "E2", "E3")
    # Berlin moves from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026.
    order(ctx, "E1", "2026-03-30T00:30:00", "10.00")   # 22:30 UTC on the 29th (CEST)
    order(ctx, "E2", "2026-03-30T20:00:00", "20.00")   # 18:00 UTC on the 30th
    order(ctx, "E3", "2026-03-29T12:00:00", "30.00")   # 10:00 UTC on the 29th
    # Local days: E1 and E2 on 30 March, E3 on 29 March. In UTC, or with the winter
    # offset (+1) of the window's start (1 March) kept throughout, E1 would fall on the
    # 29th and tie E3.
    # N = 3. Recency: E3 k1 → ⌈5/3⌉ = 2; E1, E2 k3 → 5. Frequency: all 1 → k3 → 5.
    # Monetary: E1 10 k1 → 2; E2 20 k2 → ⌈10/3⌉ = 4; E3 30 k3 → 5.
    rows = compute_segments(ctx, "rfm", dt.date(2026, 3, 31), since=dt.date(2026, 3, 1))
    assert as_dict(rows) == {"E1": "552", "E2": "554", "E3": "255"}
