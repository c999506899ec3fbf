"""A corpus of values the database would refuse (or each database differently): every
import kind refuses them at validation, naming line and column, on SQLite and PostgreSQL
alike, and nothing is written (hardening issue, imports 5 and 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.importing.runner import import_csv
from core.models import Customer, Order, Product, Rep, Return
from tests.core.importing_helpers import (
    CUSTOMER_HEADER,
    ORDER_HEADER,
    PRODUCT_HEADER,
    REP_HEADER,
    RETURN_HEADER,
    write_csv,
)
from tests.core.test_import import load_master_data

BIG = str(2**64)


def _rep_row(**over):
    row = dict(zip(REP_HEADER, ["RX", "新人", "13900000009", "广东", "applicant", "", "", "",
                                "", ""], strict=True))
    return row | over


def _order_row(**over):
    row = dict(zip(ORDER_HEADER, ["OX", "C1", "", "2026-01-05T10:00:00", "SKU1", "1",
                                  "199.00", "", "", ""], strict=True))
    return row | over


CASES = [
    # (kind, header, good rows before, bad row as dict, column named)
    ("reps", REP_HEADER + ["capacity"], _rep_row(capacity=BIG), "capacity"),
    ("reps", REP_HEADER + ["capacity"], _rep_row(capacity=str(2**31)), "capacity"),
    ("reps", REP_HEADER, _rep_row(name="王\x00芳"), "name"),
    ("reps", REP_HEADER, _rep_row(joined_on="0001-01-01"), "joined_on"),
    ("customers", CUSTOMER_HEADER, dict(zip(CUSTOMER_HEADER, [
        "CX", "新\x00客", "", "", "", "", "", "", ""], strict=True)), "name"),
    ("customers", CUSTOMER_HEADER, dict(zip(CUSTOMER_HEADER, [
        "CX", "新客", "", "", "", "", ";".join(f"t{i}" for i in range(20_000)), "", ""],
        strict=True)), "tags"),
    ("products", PRODUCT_HEADER, dict(zip(PRODUCT_HEADER, [
        "PX", "面霜", "cosmetics", "1e19", ""], strict=True)), "list_price"),
    ("orders", ORDER_HEADER, _order_row(unit_price="NaN"), "unit_price"),
    ("orders", ORDER_HEADER, _order_row(unit_price="Infinity"), "unit_price"),
    ("orders", ORDER_HEADER, _order_row(unit_price="1e400"), "unit_price"),
    ("orders", ORDER_HEADER, _order_row(unit_price="99999999999999999999.99"), "unit_price"),
    ("orders", ORDER_HEADER, _order_row(unit_price="1e16"), "unit_price"),
    ("orders", ORDER_HEADER, _order_row(ordered_at="0001-01-01T00:00:00"), "ordered_at"),
    ("orders", ORDER_HEADER, _order_row(ordered_at="9999-12-31T23:59:59-12:00"),
     "ordered_at"),
    ("orders", ORDER_HEADER, _order_row(channel="we\x00chat"), "channel"),
    ("orders", ORDER_HEADER, _order_row(quantity=BIG), "quantity"),
]

def _return_row(**over):
    row = dict(zip(RETURN_HEADER, ["RX", "O1", "SKU1", "1", "100.00", "2026-01-06T10:00:00",
                                   ""], strict=True))
    return row | over


CASES += [
    ("returns", RETURN_HEADER, _return_row(amount="1e400"), "amount"),
    ("returns", RETURN_HEADER, _return_row(amount="NaN"), "amount"),
    ("returns", RETURN_HEADER, _return_row(quantity=BIG), "quantity"),
    ("returns", RETURN_HEADER, _return_row(requested_at="9999-12-31T23:59:59-12:00"),
     "requested_at"),
    ("returns", RETURN_HEADER, _return_row(refunded_at="0001-01-01T00:00:00"), "refunded_at"),
    ("returns", RETURN_HEADER, _return_row(return_ref="R\x00X"), "return_ref"),
    ("orders", ORDER_HEADER, _order_row(order_ref="O\x00X"), "order_ref"),
    ("reps", REP_HEADER, _rep_row(rep_ref="R\x00X"), "rep_ref"),
]

MODELS = {"reps": Rep, "customers": Customer, "products": Product, "orders": Order,
          "returns": Return}


@pytest.mark.parametrize(("kind", "header", "bad", "column"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_bad_value_is_a_named_error_and_nothing_is_written(ctx_a, tmp_path, kind, header,
                                                          bad, column):
    load_master_data(ctx_a, tmp_path)
    if kind == "returns":  # an order to return from
        import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, [
            ["O1", "C1", "", "2026-01-05T10:00:00", "SKU1", "2", "199.00", "", "", ""]]))
    model = MODELS[kind]
    before = ctx_a.session.scalar(select(func.count()).select_from(model))
    ctx_a.session.rollback()
    path = write_csv(tmp_path / f"{kind}.csv", header, [[bad.get(h, "") for h in header]])
    result = import_csv(ctx_a, kind, path)
    assert not result.committed
    assert [(e.line, e.column) for e in result.errors] == [(2, column)], \
        [e.as_dict() for e in result.errors]
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(func.count()).select_from(model)) == before


def test_a_row_the_database_refuses_at_write_names_its_lines_and_resumes(ctx_a, tmp_path):
    """Should the database still refuse a row (simulated here by a module whose reaction
    hits a constraint), the import stops with the lines of the batch, keeps what was
    written before, and a second run after the fix imports the rest, nothing twice."""
    from sqlalchemy.exc import IntegrityError

    from core.errors import DomainError
    from core.hookspecs import hookimpl

    class Refuses:
        armed = True

        @hookimpl
        def crm_order_paid(self, ctx, orders):
            if self.armed and any(o.order_ref == "Z0150" for o in orders):
                raise IntegrityError("INSERT ...", {}, Exception("value too long for type"))

    load_master_data(ctx_a, tmp_path)
    gate = Refuses()
    ctx_a.registry.pm.register(gate, name="refuses")
    try:
        rows = [[f"Z{i:04d}", "C1", "", "2026-01-05T10:00:00", "SKU1", "1", "199.00", "",
                 "", ""] for i in range(300)]
        path = write_csv(tmp_path / "z.csv", ORDER_HEADER, rows)
        with pytest.raises(DomainError) as refused:
            import_csv(ctx_a, "orders", path, batch_rows=100)
        assert refused.value.code == "import_write_failed"
        # Z0150 is on line 152: the second batch holds lines 102 to 201.
        assert "lines 102 to 201" in refused.value.message
        assert "value too long" in refused.value.message
        ctx_a.session.rollback()
        written = ctx_a.session.scalar(select(func.count()).select_from(Order).where(
            Order.order_ref.like("Z%")))
        assert written == 100
        gate.armed = False
        again = import_csv(ctx_a, "orders", path, batch_rows=100)
        assert again.committed and again.imported == 200 and again.skipped == 100
    finally:
        ctx_a.registry.pm.unregister(gate)
