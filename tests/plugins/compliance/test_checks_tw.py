"""Checks under the TW profile (多層次傳銷管理法, 消費者保護法): other rules, other numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.services.reps import change_rep_status
from tests.plugins.compliance.conftest import local, order, rep, ret


def test_clean_tw_brand(clean_b, results):
    res = results(clean_b)
    assert {k: v.status for k, v in res.items()} == {
        "DS5": "pass", "DS6": "pass", "C1": "pass", "PY1": "pass",
        "S1": "not_applicable"}  # complaints module not enabled


def test_tw_rescission_has_no_notice_period(clean_b, clock, results):
    rep(clean_b, "R3", joined_on="2025-01-01", province="Taipei")
    clock.value = local(clean_b, "2026-02-01T09:00:00")
    # Notice on 1 Feb; TW has no notice period, so the exit is due at once; recorded 25 Feb.
    change_rep_status(clean_b, "R3", "terminated", effective_on=dt.date(2026, 2, 25))
    clock.value = local(clean_b, "2026-03-02T10:00:00")
    res = results(clean_b)["DS5"]
    assert res.status == "fail" and res.records[0][0] == "R3"
    assert res.records[0][4] == dt.date(2026, 2, 1)  # latest exit date = the notice date


def test_tw_refund_within_15_days(clean_b, results):
    order(clean_b, "O2", "2026-02-03T10:00:00", channel="online", qty=3, region="Taipei")
    ret(clean_b, "RT-10", "O2", "2026-02-04T10:00:00", "2026-02-14T10:00:00")  # 10 days: ok
    assert results(clean_b)["C1"].status == "pass"
    ret(clean_b, "RT-16", "O2", "2026-02-05T10:00:00", "2026-02-21T10:00:00")  # 16 days
    res = results(clean_b)["C1"]
    assert res.status == "fail" and [r[0] for r in res.records] == ["RT-16"]


def test_tw_does_not_check_certificates(clean_b, results):
    rep(clean_b, "R5", certificate_no=None, certificate_valid_from=None,
        certificate_valid_until=None, province="Taipei")
    order(clean_b, "O5", "2026-02-11T10:00:00", rep_ref="R5", region="Taipei")  # not refused
    assert "DS3" not in results(clean_b)


def test_tw_price_deviation_warns(clean_b, results):
    order(clean_b, "O-DISC", "2026-02-11T10:00:00", price="95.00", qty=1, region="Taipei")
    res = results(clean_b)["DS6"]
    assert res.status == "warn" and res.records[0][0] == "O-DISC"
    assert res.records[0][-1] == Decimal("-5.00")  # 95.00 − 100.00
