"""CSV import: each kind, bad rows, all-or-nothing, rejects, idempotence, batched hooks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from core.importing import BadFile, import_csv
from core.models import (
    Customer,
    CustomerTag,
    LifecycleStage,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Rep,
    RepStatus,
    RepStatusChange,
    Return,
    ReturnLine,
)
from core.services.modules import enable_modules
from tests.core.importing_helpers import (
    CUSTOMER_HEADER,
    ORDER_HEADER,
    PRODUCT_HEADER,
    REP_HEADER,
    RETURN_HEADER,
    Recorder,
    read_csv,
    registry_with_recorder,
    write_csv,
)

UTC = dt.UTC


def count(ctx, model, *where):
    return ctx.session.scalar(select(func.count()).select_from(model).where(
        model.brand_id == ctx.brand_id, *where))


@pytest.fixture()
def rec(ctx_a):
    recorder = Recorder()
    ctx_a.registry = registry_with_recorder(recorder)
    enable_modules(ctx_a, ["recorder"])
    return recorder


def load_master_data(ctx, tmp_path):
    """Two reps, three customers, two products, through the import itself."""
    reps = write_csv(tmp_path / "reps.csv", REP_HEADER, [
        ["R1", "王芳", "13900000001", "广东", "active", "2024-01-10", "", "ZX001",
         "2024-01-01", "2027-12-31"],
        ["R2", "张伟", "13900000002", "广东", "applicant", "", "R1", "", "", ""],
    ])
    customers = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, [
        ["C1", "李娜", "+86 138-0013-8000", "lina88", "lina@example.cn", "R1", "vip; 护肤",
         "1990-05-01", "referral"],
        ["C2", "刘洋", "13800138001", "", "", "R2", "", "", "event"],
        ["C3", "陈静", "", "", "", "", "", "", ""],
    ])
    products = write_csv(tmp_path / "products.csv", PRODUCT_HEADER, [
        ["SKU1", "面霜", "cosmetics", "199.00", "60"],
        ["SKU2", "洁面乳", "cosmetics", "89.50", ""],
    ])
    results = [import_csv(ctx, kind, path) for kind, path in
               (("reps", reps), ("customers", customers), ("products", products))]
    assert [r.imported for r in results] == [2, 3, 2]
    return results


ORDERS = [
    # O1: two lines, C1, rep taken from the customer (R1); 2 × 199.00 + 1 × 89.50 = 487.50
    ["O1", "C1", "", "2026-01-05T10:00:00", "SKU1", "2", "199.00", "", "wechat", "广东"],
    ["O1", "C1", "", "2026-01-05T10:00:00", "SKU2", "1", "89.50", "", "wechat", "广东"],
    # O2: C1 again, credited to R2 explicitly; 1 × 199.00
    ["O2", "C1", "R2", "2026-02-01T09:30:00+08:00", "SKU1", "1", "199.00", "paid", "", ""],
    # O3: cancelled, O4: pending (C2)
    ["O3", "C2", "", "2026-02-02T12:00:00", "SKU2", "3", "89.50", "cancelled", "", ""],
    ["O4", "C2", "", "2026-02-03T12:00:00", "SKU2", "1", "80.00", "pending", "", ""],
]


def test_import_master_data(ctx_a, tmp_path, rec):
    reps, customers, products = load_master_data(ctx_a, tmp_path)
    r1 = ctx_a.session.scalar(select(Rep).where(Rep.rep_ref == "R1"))
    r2 = ctx_a.session.scalar(select(Rep).where(Rep.rep_ref == "R2"))
    assert r1.status == RepStatus.ACTIVE and r2.status == RepStatus.APPLICANT
    assert r2.sponsor_id == r1.id  # sponsor named on an earlier line of the same file
    assert r1.certificate_valid_until == dt.date(2027, 12, 31)
    history = ctx_a.session.execute(
        select(RepStatusChange.old_status, RepStatusChange.new_status,
               RepStatusChange.effective_on)
        .where(RepStatusChange.rep_id == r1.id).order_by(RepStatusChange.id)).all()
    assert history == [(None, RepStatus.APPLICANT, dt.date(2024, 1, 10)),
                       (RepStatus.APPLICANT, RepStatus.ACTIVE, dt.date(2024, 1, 10))]
    assert rec.rep_changes == [("R1", "active")]
    c1 = ctx_a.session.scalar(select(Customer).where(Customer.customer_ref == "C1"))
    assert c1.phone == "+86 138-0013-8000" and c1.rep_id == r1.id
    assert c1.birthday == dt.date(1990, 5, 1)
    assert sorted(t.tag for t in c1.tags) == ["vip", "护肤"]
    # encrypted at rest: the raw column is not the number
    raw = ctx_a.session.execute(text("SELECT phone FROM customers WHERE id = :id"),
                                {"id": c1.id}).scalar_one()
    assert "13800138000" not in raw and "138-0013" not in raw
    from core.services.customers import find_by_phone

    assert [c.customer_ref for c in find_by_phone(ctx_a, "13800138000")] == ["C1"]
    assert rec.created == ["C1", "C2", "C3"] and rec.hook_calls("created") == [3]
    assert customers.units == {"customers": 3}
    assert products.units == {"products": 2}
    assert count(ctx_a, CustomerTag) == 2


def test_import_orders_and_returns(ctx_a, tmp_path, rec):
    load_master_data(ctx_a, tmp_path)
    result = import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS))
    assert (result.rows_read, result.imported, result.skipped, result.rejected) == (5, 5, 0, 0)
    assert result.units == {"orders": 4, "order_lines": 5, "payments": 2}
    orders = {o.order_ref: o for o in ctx_a.session.scalars(select(Order))}
    o1 = orders["O1"]
    assert o1.total_amount == Decimal("487.50") and o1.status == OrderStatus.PAID
    assert o1.rep.rep_ref == "R1"
    # naive time read in Asia/Shanghai: 10:00 local = 02:00 UTC
    assert o1.ordered_at == dt.datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    assert [(line.line_no, line.product.sku, line.quantity, line.amount) for line in o1.lines] \
        == [(1, "SKU1", 2, Decimal("398.00")), (2, "SKU2", 1, Decimal("89.50"))]
    assert orders["O2"].rep.rep_ref == "R2"
    assert orders["O2"].ordered_at == dt.datetime(2026, 2, 1, 1, 30, tzinfo=UTC)
    assert orders["O3"].status == OrderStatus.CANCELLED
    assert orders["O3"].total_amount == Decimal("268.50")  # 3 × 89.50
    assert orders["O4"].status == OrderStatus.PENDING and orders["O4"].paid_at is None
    payments = ctx_a.session.execute(select(Payment.order_id, Payment.method, Payment.amount)
                                     .order_by(Payment.order_id)).all()
    assert payments == [(o1.id, "import", Decimal("487.50")),
                        (orders["O2"].id, "import", Decimal("199.00"))]
    assert rec.paid == ["O1", "O2"] and rec.cancelled == ["O3"]
    stages = dict(ctx_a.session.execute(select(Customer.customer_ref,
                                               Customer.lifecycle_stage)).all())
    # C1 has two paid orders, C2 only cancelled/pending ones
    assert stages == {"C1": LifecycleStage.REPEAT, "C2": LifecycleStage.PROSPECT,
                      "C3": LifecycleStage.PROSPECT}

    returns = write_csv(tmp_path / "r.csv", RETURN_HEADER, [
        ["RT1", "O1", "SKU1", "1", "199.00", "2026-01-10T10:00:00", "2026-01-12T10:00:00"],
        ["RT1", "O1", "SKU2", "1", "89.50", "2026-01-10T10:00:00", "2026-01-12T10:00:00"],
        ["RT2", "O1", "SKU1", "1", "150.00", "2026-01-20T10:00:00", ""],
    ])
    result = import_csv(ctx_a, "returns", returns)
    assert (result.imported, result.rejected) == (3, 0)
    assert result.units == {"returns": 2, "return_lines": 3, "refunds": 1}
    rt1 = ctx_a.session.scalar(select(Return).where(Return.return_ref == "RT1"))
    assert rt1.amount == Decimal("288.50")  # 199.00 + 89.50
    assert rt1.refunded_at == dt.datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
    rt2 = ctx_a.session.scalar(select(Return).where(Return.return_ref == "RT2"))
    assert rt2.refunded_at is None and rt2.amount == Decimal("150.00")
    assert [(ref, amount, [(line.sku, line.quantity, line.amount) for line in lines])
            for ref, amount, lines in rec.refunded] == [
        ("RT1", Decimal("288.50"), [("SKU1", 1, Decimal("199.00")),
                                    ("SKU2", 1, Decimal("89.50"))])]


def test_bad_rows_are_all_listed_and_nothing_is_imported(ctx_a, tmp_path, rec):
    load_master_data(ctx_a, tmp_path)
    rows = [
        ORDERS[0],                                                                   # line 2
        ["O1", "C1", "", "2026-01-05T10:00:00", "SKU9", "1", "89.50", "", "wechat", "广东"],
        ["O5", "C9", "", "2026-01-06T10:00:00", "SKU1", "0", "199.00", "", "", ""],  # line 4
        ["O6", "C1", "R9", "yesterday", "SKU1", "1", "1.234", "", "", ""],           # line 5
        ["O7", "C1", "", "2026-01-07T10:00:00", "SKU1", "1", "199.00", "shipped", "", ""],
        ["O8", "C1", "", "2026-01-08T10:00:00", "SKU1", "1", "199.00", "", "", ""],  # line 7
        ["O8", "C2", "", "2026-01-08T10:00:00", "SKU2", "1", "89.50", "", "", ""],   # line 8
        ["O9", "C1", "", "2026-01-09T10:00:00", "SKU1", "1", "199.00", "", "", ""],  # line 9
        ["O8", "C1", "", "2026-01-08T10:00:00", "SKU2", "1", "89.50", "", "", ""],   # line 10
    ]
    result = import_csv(ctx_a, "orders", write_csv(tmp_path / "bad.csv", ORDER_HEADER, rows))
    assert not result.committed
    found = sorted((e.line, e.column) for e in result.errors)
    assert found == [
        (3, "sku"),                     # unknown sku on the second line of O1
        (4, "quantity"),                # quantity 0 (the row fails its schema first)
        (5, "ordered_at"),              # not a date
        (5, "unit_price"),              # three decimals
        (6, "status"),                  # not a status
        (8, "customer_ref"),            # a line of O8 with another customer
        (10, "order_ref"),              # O8 again after other rows
    ]
    reasons = {(e.line, e.column): e.reason for e in result.errors}
    assert "SKU9" in reasons[(3, "sku")]
    assert "line 7" in reasons[(8, "customer_ref")]
    assert "consecutive" in reasons[(10, "order_ref")]
    assert result.rejected == 9 - 1  # every row but O9's belongs to a bad order
    assert count(ctx_a, Order) == 0 and count(ctx_a, OrderLine) == 0
    assert rec.paid == []


def test_skip_invalid_imports_good_orders_and_writes_rejects(ctx_a, tmp_path, rec):
    load_master_data(ctx_a, tmp_path)
    rows = [
        ORDERS[0],
        ["O1", "C1", "", "2026-01-05T10:00:00", "SKU9", "1", "89.50", "", "wechat", "广东"],
        ORDERS[2],
    ]
    rejects = tmp_path / "rejects.csv"
    result = import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, rows),
                        rejects_path=rejects)
    assert result.committed
    assert (result.rows_read, result.imported, result.skipped, result.rejected) == (3, 1, 0, 2)
    assert [o for o in ctx_a.session.scalars(select(Order.order_ref))] == ["O2"]
    out = read_csv(rejects)
    assert list(out[0]) == [*ORDER_HEADER, "reason"]
    assert [r["order_ref"] for r in out] == ["O1", "O1"]
    assert [r["sku"] for r in out] == ["SKU1", "SKU9"]  # original cells kept
    assert "line 3" in out[0]["reason"]          # rejected with its order
    assert out[1]["reason"].startswith("sku: ")  # its own reason
    assert rec.paid == ["O2"]


def test_second_run_changes_nothing_and_fires_no_hooks(ctx_a, tmp_path, rec):
    load_master_data(ctx_a, tmp_path)
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS)
    import_csv(ctx_a, "orders", path)
    returns = write_csv(tmp_path / "r.csv", RETURN_HEADER, [
        ["RT1", "O1", "SKU1", "1", "199.00", "2026-01-10T10:00:00", "2026-01-12T10:00:00"]])
    import_csv(ctx_a, "returns", returns)
    calls_before = list(rec.calls)
    counts = [count(ctx_a, m) for m in (Order, OrderLine, Payment, Return, ReturnLine,
                                        Customer, Rep)]
    again = [import_csv(ctx_a, kind, tmp_path / f"{name}.csv") for kind, name in
             (("reps", "reps"), ("customers", "customers"), ("products", "products"),
              ("orders", "o"), ("returns", "r"))]
    assert [(r.imported, r.skipped, r.rejected) for r in again] == [
        (0, 2, 0), (0, 3, 0), (0, 2, 0), (0, 5, 0), (0, 1, 0)]
    assert [count(ctx_a, m) for m in (Order, OrderLine, Payment, Return, ReturnLine,
                                      Customer, Rep)] == counts
    assert rec.calls == calls_before


def test_hooks_fire_once_per_batch(ctx_a, tmp_path, rec):
    load_master_data(ctx_a, tmp_path)
    rows = []
    for i in range(1, 11):  # ten one-line paid orders
        rows.append([f"P{i}", "C1", "", f"2026-01-{i:02d}T10:00:00", "SKU1", "1", "199.00",
                     "", "", ""])
    import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, rows),
               batch_rows=4)
    # batches close once they hold 4 rows: 4 + 4 + 2 orders
    assert rec.hook_calls("paid") == [4, 4, 2]
    assert len(rec.paid) == 10


def test_order_lines_stay_together_across_batches(ctx_a, tmp_path):
    load_master_data(ctx_a, tmp_path)
    import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS),
               batch_rows=1)
    o1 = ctx_a.session.scalar(select(Order).where(Order.order_ref == "O1"))
    assert len(o1.lines) == 2 and o1.total_amount == Decimal("487.50")


def test_returns_are_checked_against_the_order(ctx_a, tmp_path):
    load_master_data(ctx_a, tmp_path)
    import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS))
    rows = [
        # O1 has 2 × SKU1 for 398.00: the first return takes 1 unit / 199.00 ...
        ["RT1", "O1", "SKU1", "1", "199.00", "2026-01-10T10:00:00", ""],              # line 2
        # ... so two more units exceed the order (1 + 2 > 2), and 200.00 more > 398.00
        ["RT2", "O1", "SKU1", "2", "200.00", "2026-01-11T10:00:00", ""],              # line 3
        ["RT3", "O1", "SKU3", "1", "1.00", "2026-01-11T10:00:00", ""],                # line 4
        ["RT4", "O3", "SKU2", "1", "89.50", "2026-02-05T10:00:00", ""],               # line 5
        ["RT5", "O9", "SKU2", "1", "89.50", "2026-02-05T10:00:00", ""],               # line 6
        ["RT6", "O2", "SKU1", "1", "199.00", "2026-02-05T10:00:00", "2026-02-04T10:00:00"],
        ["RT7", "O2", "SKU1", "1", "199.00", "2026-01-01T10:00:00", ""],              # line 8
    ]
    result = import_csv(ctx_a, "returns", write_csv(tmp_path / "r.csv", RETURN_HEADER, rows))
    assert sorted((e.line, e.column) for e in result.errors) == [
        (3, "amount"), (3, "quantity"), (4, "sku"), (5, "order_ref"), (6, "order_ref"),
        (7, "refunded_at"), (8, "requested_at")]
    assert count(ctx_a, Return) == 0


def test_file_level_problems(ctx_a, tmp_path):
    load_master_data(ctx_a, tmp_path)
    missing = write_csv(tmp_path / "m.csv", ["order_ref", "customer_ref"], [["O1", "C1"]])
    with pytest.raises(BadFile, match="ordered_at"):
        import_csv(ctx_a, "orders", missing)
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(BadFile):
        import_csv(ctx_a, "orders", empty)
    latin = tmp_path / "l.csv"
    latin.write_bytes(",".join(PRODUCT_HEADER).encode() + b"\nS9,caf\xe9,cosmetics,1.00,\n")
    with pytest.raises(BadFile, match="UTF-8"):
        import_csv(ctx_a, "products", latin)


def test_bom_extra_columns_and_short_rows(ctx_a, tmp_path):
    path = write_csv(tmp_path / "p.csv", [*PRODUCT_HEADER, "colour"], [
        ["S1", "面霜", "cosmetics", "199.00", "60", "red"],
        ["S2", "洁面乳", "cosmetics", "89.50"],
    ], bom=True)
    result = import_csv(ctx_a, "products", path)
    assert result.ignored_columns == ["colour"]
    assert [(e.line, e.column) for e in result.errors] == [(3, "_row")]
    path = write_csv(tmp_path / "p2.csv", PRODUCT_HEADER, [
        ["S1", "面霜", "cosmetics", "199.00", "60"], ["S1", "面霜", "cosmetics", "199.00", ""]],
        bom=True)
    result = import_csv(ctx_a, "products", path)
    assert [(e.line, e.column) for e in result.errors] == [(3, "sku")]


def test_likely_duplicate_customers_are_warned_not_refused(ctx_a, tmp_path):
    load_master_data(ctx_a, tmp_path)
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [
        ["C4", "李娜", "13800138000", "", "", "", "", "", ""],     # same phone as C1
        ["C5", "王磊", "", "WX-777", "", "", "", "", ""],
        ["C6", "王磊", "", "wx-777 ", "", "", "", "", ""],        # same WeChat as C5
        ["C7", "赵敏", "", "", "", "R9", "", "", ""],              # unknown rep → error
    ])
    result = import_csv(ctx_a, "customers", path, rejects_path=tmp_path / "rej.csv")
    assert result.imported == 3 and result.rejected == 1
    assert [(w.line, "C1" in w.message, "C5" in w.message) for w in result.warnings] == [
        (2, True, False), (4, False, True)]


def test_validate_order_hook_can_block_imported_orders(ctx_a, tmp_path):
    from core.events import Problem
    from core.hookspecs import hookimpl

    class NoBigOrders:
        seen: list[list[str]] = []

        @hookimpl
        def crm_validate_orders(self, ctx, orders):
            self.seen.append([o.order_ref for o in orders])
            return [Problem(code="DS6", message="too big", field=f"{i}.lines.0.unit_price")
                    for i, o in enumerate(orders) if o.total_amount > Decimal("400")]

    gate = NoBigOrders()
    ctx_a.registry = registry_with_recorder(Recorder(), ({"name": "gate", "version": "1"},
                                                         gate))
    load_master_data(ctx_a, tmp_path)
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS)
    import_csv(ctx_a, "orders", path)
    assert gate.seen == []  # not enabled for the brand: never asked
    enable_modules(ctx_a, ["gate"])
    renamed = [["N" + r[0][1:], *r[1:]] for r in ORDERS]
    result = import_csv(ctx_a, "orders", write_csv(tmp_path / "n.csv", ORDER_HEADER, renamed))
    assert gate.seen == [["N1", "N2", "N3", "N4"]]  # one call for the whole chunk
    # only N1 (487.50) is over 400; its first line carries the problem
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (2, "unit_price", "[DS6] too big")]


def test_other_brand_references_are_unknown(ctx_a, ctx_b, tmp_path):
    load_master_data(ctx_a, tmp_path)
    result = import_csv(ctx_b, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, ORDERS))
    assert {e.column for e in result.errors} == {"customer_ref", "rep_ref", "sku"}
    assert count(ctx_b, Order) == 0
    # the same refs are free in brand B
    assert import_csv(ctx_b, "reps", tmp_path / "reps.csv").imported == 2
