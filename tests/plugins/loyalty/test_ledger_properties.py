"""Hypothesis state machine over random pay, refund, redeem, cancel, expire and tick.

After every step: each customer's balance is the sum of their entries and is ≥ 0, what
remains in each lot is between 0 and the lot's points and adds up to the balance, and no
entry or allocation was ever updated or deleted (the snapshot only grows).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from core.errors import DomainError
from core.models import Customer
from core.services.brands import create_brand
from core.services.modules import enable_modules
from core.services.orders import cancel_order
from plugins.loyalty import jobs, services
from plugins.loyalty.ledger import balances, open_lots
from tests.conftest import _wipe
from tests.plugins.loyalty.conftest import allocations, entries, pay, refund, seed

CUSTOMERS = ("C1", "C2")
KINDS: set[str] = set()
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_ledger_invariants_under_random_operations(engine, make_ctx, clock):
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            _wipe(engine)
            clock.value = START
            create_brand(make_ctx(), {"code": "A", "name": "A", "currency": "CNY",
                                      "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                                      "locale": "zh_Hans_CN"})
            self.ctx = make_ctx("A")
            enable_modules(self.ctx, ["loyalty"])
            seed(self.ctx, CUSTOMERS)
            # 1 point per yuan, points pay 1.00 each, 1-month validity so expiry happens
            services.update_settings(self.ctx, {"points_per_currency_unit": 1,
                                                "min_redemption": 1, "validity_months": 1})
            self.orders: dict[str, dict] = {}
            self.seen_entries: list[tuple] = []
            self.seen_allocations: list[tuple] = []
            self.n = 0

        def _next(self, prefix: str) -> str:
            self.n += 1
            return f"{prefix}{self.n}"

        def _now(self) -> str:
            return clock.value.isoformat()

        @initialize(units=st.integers(1, 4))
        def first_orders(self, units):
            for customer in CUSTOMERS:  # every run starts with points to play with
                self.pay(customer, units, "99.99", None)

        @rule(customer=st.sampled_from(CUSTOMERS), qty=st.integers(1, 4),
              unit=st.sampled_from(["10.00", "33.33", "99.99"]),
              points_share=st.sampled_from([None, "1.00", "10.00", "30.00"]))
        def pay(self, customer, qty, unit, points_share):
            ref = self._next("O")
            amount = str(Decimal(unit) * qty)
            if points_share is not None and Decimal(points_share) > Decimal(amount):
                points_share = None
            try:
                pay(self.ctx, ref, amount, customer=customer, at=self._now(), qty=qty,
                    points_amount=points_share)
            except DomainError:
                return  # not enough points: the whole order was refused
            self.orders[ref] = {"qty": qty, "unit": Decimal(unit), "returned": 0,
                                "cancelled": False}

        def _refundable(self) -> bool:
            return any(not o["cancelled"] and o["returned"] < o["qty"]
                       for o in self.orders.values())

        def _cancellable(self) -> bool:
            return any(not o["cancelled"] and not o["returned"] for o in self.orders.values())

        @precondition(lambda self: self._refundable())
        @rule(data=st.data())
        def refund(self, data):
            open_ = [r for r, o in self.orders.items()
                     if not o["cancelled"] and o["returned"] < o["qty"]]
            if not open_:
                return
            ref = data.draw(st.sampled_from(sorted(open_)))
            order = self.orders[ref]
            units = data.draw(st.integers(1, order["qty"] - order["returned"]))
            refund(self.ctx, self._next("R"), ref, str(order["unit"] * units), at=self._now(),
                   qty=units)
            order["returned"] += units

        @precondition(lambda self: self._cancellable())
        @rule(data=st.data())
        def cancel(self, data):
            open_ = [r for r, o in self.orders.items() if not o["cancelled"] and not o["returned"]]
            if not open_:
                return
            ref = data.draw(st.sampled_from(sorted(open_)))
            cancel_order(self.ctx, ref)
            self.orders[ref]["cancelled"] = True

        @rule(customer=st.sampled_from(CUSTOMERS), points=st.integers(1, 60))
        def redeem(self, customer, points):
            with contextlib.suppress(DomainError):  # not enough points: nothing written
                services.redeem_points(self.ctx, {"customer_ref": customer, "points": points,
                                                  "redemption_ref": self._next("X")})

        @rule(days=st.integers(20, 70))
        def expire(self, days):
            clock.advance(days=days)
            jobs.expire_points(self.ctx)

        @rule(hours=st.integers(1, 72))
        def tick(self, hours):
            clock.advance(hours=hours)
            jobs.run_all(self.ctx)

        @invariant()
        def ledger_is_consistent(self):
            ctx = self.ctx
            now_entries = entries(ctx)
            now_allocations = allocations(ctx)
            # append-only: every row seen before is still there, unchanged
            assert now_entries[:len(self.seen_entries)] == self.seen_entries
            assert now_allocations[:len(self.seen_allocations)] == self.seen_allocations
            self.seen_entries, self.seen_allocations = now_entries, now_allocations
            ids = list(ctx.session.scalars(select(Customer.id).where(
                Customer.brand_id == ctx.brand_id)))
            totals = balances(ctx, ids)
            lots = open_lots(ctx, ids)
            for cid in ids:
                by_sum = sum(e[3] for e in now_entries if e[1] == cid)
                assert totals[cid] == by_sum >= 0
                assert sum(lot.remaining for lot in lots if lot.customer_id == cid) == by_sum
            # every lot (earn/adjust credit) keeps 0 ≤ remaining ≤ its points
            used: dict[int, int] = {}
            for _id, _entry, lot_id, pts in now_allocations:
                used[lot_id] = used.get(lot_id, 0) + pts
            for e in now_entries:
                if e[2] in ("earn", "adjust") and e[3] > 0:
                    assert 0 <= e[3] - used.get(e[0], 0) <= e[3]
            ctx.session.rollback()
            KINDS.update(e[2] + ":" + e[4] for e in now_entries)

    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=15, stateful_step_count=20, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    # the random runs did reach every kind of entry
    assert {"earn:order", "redeem:order", "redeem:redemption", "reverse:refund",
            "reverse:cancellation", "expire:expiry"} <= KINDS, KINDS
