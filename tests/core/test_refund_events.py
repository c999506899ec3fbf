"""``OrderRefunded`` carries what the order's refunds add up to at each refund's own time,
built in one place for the live path and the import ("one contract" defect 1)."""

from __future__ import annotations

from decimal import Decimal

from core.api import hookimpl
from core.importing.runner import import_csv
from core.services.orders import create_order, create_return
from core.services.products import create_product
from tests.core.importing_helpers import RETURN_HEADER, write_csv
from tests.core.tasks_helpers import customer, rep


class Refunds:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Decimal, Decimal]] = []

    @hookimpl
    def crm_order_refunded(self, ctx, refunds):
        self.seen += [(r.return_ref, r.amount, r.refunded_total) for r in refunds]


def _customer_with_an_order(ctx, quantity: int) -> None:
    """Rep R1, customer C1, product P1 at 100.00, and order O1 of ``quantity`` units."""
    rep(ctx, "R1")
    customer(ctx, "C1", "R1")
    create_product(ctx, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                         "list_price": "100.00"})
    create_order(ctx, {"order_ref": "O1", "customer_ref": "C1",
                       "ordered_at": "2026-03-01T10:00:00",
                       "lines": [{"sku": "P1", "quantity": quantity, "unit_price": "100.00"}]})


def test_refunded_total_live_and_imported(ctx_a, rt, tmp_path):
    rec = Refunds()
    rt.registry.pm.register(rec, name="refund-recorder")
    try:
        _customer_with_an_order(ctx_a, quantity=3)
        create_return(ctx_a, {"return_ref": "R1", "order_ref": "O1",
                              "requested_at": "2026-03-02T10:00:00",
                              "refunded_at": "2026-03-02T11:00:00",
                              "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
        # Two more in one file: each sees the refunds up to its own time.
        result = import_csv(ctx_a, "returns", write_csv(tmp_path / "r.csv", RETURN_HEADER, [
            ["R3", "O1", "P1", "1", "60.00", "2026-03-04T10:00:00", "2026-03-04T11:00:00"],
            ["R2", "O1", "P1", "1", "100.00", "2026-03-03T10:00:00", "2026-03-03T11:00:00"]]))
        assert result.committed, [e.as_dict() for e in result.errors]
    finally:
        rt.registry.pm.unregister(rec)
    by_ref = {ref: (amount, total) for ref, amount, total in rec.seen}
    assert by_ref == {"R1": (Decimal("100.00"), Decimal("100.00")),
                      "R2": (Decimal("100.00"), Decimal("200.00")),
                      "R3": (Decimal("60.00"), Decimal("260.00"))}


class StageAtHook:
    """Records the customer's lifecycle stage as a module sees it in crm_order_paid."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def crm_order_paid(self, ctx, orders):
        from core.models import Customer

        for o in orders:
            stage = ctx.session.get(Customer, o.customer_id).lifecycle_stage
            self.seen.append((o.order_ref, stage.value))


def test_side_effects_come_in_one_order_live_and_imported(ctx_a, rt, tmp_path):
    """Modules are told first, then the core refreshes stages: a module sees the stage the
    customer had before the order, whether it was recorded live or imported."""
    from tests.core.importing_helpers import ORDER_HEADER

    rec = StageAtHook()
    rt.registry.pm.register(rec, name="stage-recorder")
    try:
        rep(ctx_a, "R1")
        customer(ctx_a, "C1", "R1")
        customer(ctx_a, "C2", "R1")
        create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                               "list_price": "100.00"})
        create_order(ctx_a, {"order_ref": "L1", "customer_ref": "C1",
                             "ordered_at": "2026-03-01T10:00:00",
                             "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
        import_csv(ctx_a, "orders", write_csv(tmp_path / "o.csv", ORDER_HEADER, [
            ["I1", "C2", "", "2026-03-01T10:00:00", "P1", "1", "100.00", "", "", ""]]))
    finally:
        rt.registry.pm.unregister(rec)
    assert rec.seen == [("L1", "prospect"), ("I1", "prospect")]


def test_return_dates_are_checked_live_as_in_the_import(ctx_a):
    """The live path refused nothing here; the import refused both (one rule now)."""
    import pytest

    from core.errors import ValidationFailed

    _customer_with_an_order(ctx_a, quantity=1)
    with pytest.raises(ValidationFailed) as refused:
        create_return(ctx_a, {"return_ref": "R1", "order_ref": "O1",
                              "requested_at": "2026-02-28T10:00:00",
                              "refunded_at": "2026-02-27T10:00:00",
                              "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
    assert set(refused.value.errors) == {"requested_at", "refunded_at"}
