"""Every loyalty decision is taken at the event's own time ("one contract" defect 7):
a refund dated in 1997 sees the ledger of 1997, and imported history earns with the tier
its customer had reached when each order was paid."""

from __future__ import annotations

import datetime as dt

from core.importing.runner import import_csv
from plugins.loyalty.reports import balances
from tests.core.importing_helpers import ORDER_HEADER, RETURN_HEADER, write_csv
from tests.plugins.loyalty.conftest import entries


def test_a_refund_in_1997_takes_back_points_that_expire_in_1998(loyal_a, tmp_path):
    # Paid 1997-01-02 (validity 12 months: the points expire on 1998-01-03).
    r = import_csv(loyal_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, [
        ["H1", "C1", "", "1997-01-02T10:00:00", "P1", "4", "100.00", "", "", ""]]))
    assert r.committed
    r = import_csv(loyal_a, "returns", write_csv(tmp_path / "r.csv", RETURN_HEADER, [
        ["HR1", "H1", "P1", "1", "100.00", "1997-01-06T10:00:00", "1997-01-06T10:00:00"]]))
    assert r.committed, [e.as_dict() for e in r.errors]
    # 400 earned, a quarter refunded: 100 taken back at the refund (0 before the fix).
    assert [(e[2], e[3]) for e in entries(loyal_a)] == [("earn", 400), ("reverse", -100)]
    day_after = {row[0]: row for row in balances(loyal_a, dt.date(1997, 1, 7))}
    assert day_after["C1"][-1] == 300  # balance as of the day after the refund
    # The nightly expiry then expires the remaining 300, dated at their own expiry.
    from plugins.loyalty.jobs import expire_points

    expire_points(loyal_a)
    [expired] = [e for e in entries(loyal_a) if e[2] == "expire"]
    assert expired[3] == -300 and expired[6].year == 1998


def test_history_earns_with_the_tier_reached_before_each_order(loyal_a, tmp_path):
    # 1997: 2,100.00 of spend in March reaches silver (2,000 over 12 months, x1.20);
    # the order of 1997-06-01 earns 100 x 1.20 = 120; in 1998-12 the window holds only
    # the June order (100.00): member again, x1.00.
    rows = [["A1", "C1", "", "1997-03-01T10:00:00", "P1", "21", "100.00", "", "", ""],
            ["A2", "C1", "", "1997-06-01T10:00:00", "P1", "1", "100.00", "", "", ""],
            ["A3", "C1", "", "1998-12-01T10:00:00", "P1", "1", "100.00", "", "", ""]]
    r = import_csv(loyal_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, rows))
    assert r.committed
    earned = {e[5]: e[3] for e in entries(loyal_a) if e[2] == "earn"}
    assert earned == {"A1": 2100, "A2": 120, "A3": 100}
