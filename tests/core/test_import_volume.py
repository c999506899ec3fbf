"""50,000 order lines with the loyalty module enabled, imported twice; and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.importing import import_csv
from core.models import Customer, LifecycleStage, Order, OrderLine, Payment
from core.services.modules import enable_modules
from tests.core.importing_helpers import (
    CUSTOMER_HEADER,
    ORDER_HEADER,
    PRODUCT_HEADER,
    Recorder,
    read_csv,
    registry_with_recorder,
    write_csv,
)

N_ORDERS = 25_000  # two lines each: 50,000 order lines
N_CUSTOMERS = 2_000
N_PRODUCTS = 20


def history_files(tmp_path):
    write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER,
              ([f"C{i:05d}", f"客户{i}", f"138{i:08d}", "", "", "", "", "", ""]
               for i in range(N_CUSTOMERS)))
    write_csv(tmp_path / "products.csv", PRODUCT_HEADER,
              ([f"SKU{i:02d}", f"产品{i}", "cosmetics", "10.00", "30"]
               for i in range(N_PRODUCTS)))

    def lines():
        for i in range(N_ORDERS):
            day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00"
            customer = f"C{i % N_CUSTOMERS:05d}"
            yield [f"O{i:06d}", customer, "", day, f"SKU{i % N_PRODUCTS:02d}", "1", "10.00",
                   "", "", ""]
            yield [f"O{i:06d}", customer, "", day, f"SKU{(i + 1) % N_PRODUCTS:02d}", "2",
                   "10.00", "", "", ""]

    return write_csv(tmp_path / "orders.csv", ORDER_HEADER, lines())


def test_fifty_thousand_lines_with_loyalty_twice(ctx_a, tmp_path):
    rec = Recorder()
    ctx_a.registry = registry_with_recorder(rec)
    enable_modules(ctx_a, ["loyalty", "recorder"])
    orders = history_files(tmp_path)
    assert import_csv(ctx_a, "customers", tmp_path / "customers.csv").imported == N_CUSTOMERS
    assert import_csv(ctx_a, "products", tmp_path / "products.csv").imported == N_PRODUCTS

    first = import_csv(ctx_a, "orders", orders)
    assert (first.rows_read, first.imported, first.skipped, first.rejected) == \
        (50_000, 50_000, 0, 0)
    brand = Order.brand_id == ctx_a.brand_id
    assert ctx_a.session.scalar(select(func.count(Order.id)).where(brand)) == 25_000
    assert ctx_a.session.scalar(select(func.count(OrderLine.id))) == 50_000
    assert ctx_a.session.scalar(select(func.count(Payment.id))) == 25_000
    # each order: 1 × 10.00 + 2 × 10.00 = 30.00; 25,000 orders → 750,000.00
    total = ctx_a.session.scalar(select(func.sum(Order.total_amount)).where(brand))
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("750000.00")
    # batches of 5,000 lines = 2,500 two-line orders; 50,000 lines → 10 batches
    assert rec.hook_calls("paid") == [2_500] * 10
    assert len(set(rec.paid)) == 25_000
    # every customer has 25,000 / 2,000 = 12.5 → 12 or 13 orders: repeat buyers
    stages = ctx_a.session.execute(select(Customer.lifecycle_stage, func.count())
                                   .group_by(Customer.lifecycle_stage)).all()
    assert stages == [(LifecycleStage.REPEAT, N_CUSTOMERS)]
    # the loyalty module saw the history: one earn entry per paid order
    from plugins.loyalty.models import EntryKind, LoyaltyEntry

    earned = select(func.count(LoyaltyEntry.id)).where(
        LoyaltyEntry.brand_id == ctx_a.brand_id, LoyaltyEntry.kind == EntryKind.EARN)
    assert ctx_a.session.scalar(earned) == 25_000

    second = import_csv(ctx_a, "orders", orders)
    assert (second.imported, second.skipped, second.rejected) == (0, 50_000, 0)
    assert ctx_a.session.scalar(select(func.count(OrderLine.id))) == 50_000
    assert rec.hook_calls("paid") == [2_500] * 10
    assert ctx_a.session.scalar(earned) == 25_000


@pytest.fixture()
def cli_runtime(rt, monkeypatch):
    from core.cli import common

    monkeypatch.setattr(common, "_runtime", rt)
    return rt


def test_import_command(cli_runtime, brands, tmp_path):
    from core.cli import cli

    runner = CliRunner()
    write_csv(tmp_path / "p.csv", PRODUCT_HEADER, [["S1", "面霜", "cosmetics", "199.00", "60"],
                                                   ["S2", "", "cosmetics", "-1", ""]])
    result = runner.invoke(cli, ["import", "products", str(tmp_path / "p.csv"), "--brand", "A"])
    assert result.exit_code == 1
    assert "line 3, column name: Missing data for required field." in result.output
    assert "line 3, column list_price: Must not be negative." in result.output
    assert "products: 2 rows read, 0 imported, 0 skipped, 1 rejected" in result.output

    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(cli, ["import", "products", str(tmp_path / "p.csv"), "--brand", "A",
                                 "--skip-invalid", str(rejects), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["imported"], summary["rejected"], summary["records"]) == \
        (1, 1, {"products": 1})
    assert [r["sku"] for r in read_csv(rejects)] == ["S2"]

    result = runner.invoke(cli, ["--locale", "zh_Hans_CN", "import", "products",
                                 str(tmp_path / "p.csv"), "--brand", "B"])
    assert result.exit_code == 1
    result = runner.invoke(cli, ["import", "products", str(tmp_path / "nope.csv"),
                                 "--brand", "A"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["import", "products", str(tmp_path / "p.csv"),
                                 "--brand", "Z"])
    assert result.exit_code == 1 and "Z" in result.output
