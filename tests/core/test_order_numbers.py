"""Automatic order numbers: the brand pattern, the counter, other brands, concurrency.

Brand A is in Asia/Shanghai (UTC+8); the clock is 2026-03-02 02:00 UTC (10:00 local).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from core.errors import ValidationFailed
from core.models import Order
from core.services.numbering import check_pattern, render
from core.services.orders import create_order
from core.services.products import create_product
from core.services.settings import set_settings
from core.settings import SettingError
from tests.core.tasks_helpers import customer, rep


def _seed(ctx):
    rep(ctx, "R1")
    customer(ctx, "C1", "R1")
    create_product(ctx, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                         "list_price": "100.00"})


def _order(ctx, at="2026-03-02T09:00:00", **extra):
    return create_order(ctx, {"customer_ref": "C1", "ordered_at": at,
                              "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}],
                              **extra}).order_ref


def test_render_and_check_pattern():
    day = dt.date(2026, 3, 2)
    assert render("SO{yyyy}{mm}-{seq:05}", day, 7) == "SO202603-00007"
    assert render("{yy}{mm}{dd}/{seq:03}/X", day, 12) == "260302/012/X"
    assert render("N{seq}", day, 1234) == "N1234"
    for bad in ("SO{yyyy}", "{seq}{seq}", "SO{month}-{seq}", "{seq:013}",
                "X" * 60 + "{seq:05}"):
        with pytest.raises(SettingError):
            check_pattern(bad)


def test_orders_without_a_ref_are_numbered_per_month_and_brand(ctx_a, ctx_b):
    _seed(ctx_a)
    _seed(ctx_b)
    assert _order(ctx_a) == "SO202603-00001"
    assert _order(ctx_a, order_ref="") == "SO202603-00002"  # a blank form field
    # 28 Feb 23:30 local is still February: its own counter
    assert _order(ctx_a, at="2026-02-28T23:30:00") == "SO202602-00001"
    assert _order(ctx_a, order_ref="SO202603-00010") == "SO202603-00010"  # typed by hand
    assert _order(ctx_a, order_ref="SO202603-ABCDE") == "SO202603-ABCDE"  # not a counter
    assert _order(ctx_a) == "SO202603-00011"
    assert _order(ctx_b) == "SO202603-00001"  # brand B counts its own
    set_settings(ctx_a, {"orders.number_pattern": "A-{yy}{mm}{dd}-{seq:03}"})
    assert _order(ctx_a) == "A-260302-001"
    with pytest.raises(ValidationFailed) as bad:
        set_settings(ctx_a, {"orders.number_pattern": "A-{yyyy}"})
    assert list(bad.value.errors) == ["orders.number_pattern"]


def test_concurrent_orders_get_different_numbers(ctx_a, make_ctx):
    _seed(ctx_a)
    n = 8

    def make(_i):
        ctx = make_ctx("A")
        try:
            return _order(ctx)
        finally:
            ctx.session.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        refs = list(pool.map(make, range(n)))
    assert sorted(refs) == [f"SO202603-{i:05d}" for i in range(1, n + 1)]
    stored = ctx_a.session.scalars(select(Order.order_ref).order_by(Order.order_ref)).all()
    assert stored == sorted(refs)
