"""Redemption order, expiry, reminders, birthday bonus, tier downgrades, rewards."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.hookspecs import hookimpl
from core.models import Customer, Task
from core.services.customers import update_customer
from core.services.orders import cancel_order
from core.services.scoping import get_by_ref
from plugins.loyalty import jobs, services
from plugins.loyalty.ledger import InsufficientPoints
from plugins.loyalty.models import LoyaltyTierChange
from tests.plugins.loyalty.conftest import allocations, balance, entries, pay

UTC = dt.UTC


def _two_lots(ctx):
    # O1 paid 2026-01-10 10:00 Shanghai: 100 points valid through 2027-01-10 local,
    #   expiring 2027-01-11 00:00 +08:00 = 2027-01-10 16:00 UTC
    # O2 paid 2026-02-20 10:00 Shanghai: 200 points, expiring 2027-02-20 16:00 UTC
    pay(ctx, "O1", "100.00", at="2026-01-10T10:00:00")
    pay(ctx, "O2", "200.00", at="2026-02-20T10:00:00")
    lots = {e[5]: e[0] for e in entries(ctx)}
    return lots["O1"], lots["O2"]


def test_redemption_spends_soonest_expiring_lots_first(loyal_a):
    lot1, lot2 = _two_lots(loyal_a)
    entry = services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 150,
                                             "redemption_ref": "X1"})
    assert entry.points == -150
    # 100 from O1's lot (expires first), the other 50 from O2's
    assert [(a[1], a[2], a[3]) for a in allocations(loyal_a)] == [
        (entry.id, lot1, 100), (entry.id, lot2, 50)]
    again = services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 150,
                                             "redemption_ref": "X1"})
    assert again.id == entry.id and balance(loyal_a) == 150  # a retry spends nothing


def test_overspending_is_refused_and_writes_nothing(loyal_a):
    _two_lots(loyal_a)
    before = entries(loyal_a)
    with pytest.raises(InsufficientPoints, match="301 needed, 300 available"):
        services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 301,
                                         "redemption_ref": "X1"})
    assert entries(loyal_a) == before


def test_expired_points_are_not_spendable_and_expiry_is_idempotent(loyal_a, clock):
    _two_lots(loyal_a)
    services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 150,
                                     "redemption_ref": "X1"})
    # left: O1 lot 0, O2 lot 150. At O2's expiry instant, nothing is spendable.
    clock.value = dt.datetime(2027, 2, 20, 16, 0, tzinfo=UTC)
    with pytest.raises(InsufficientPoints, match="0 available"):
        services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 100,
                                         "redemption_ref": "X2"})
    assert jobs.expire_points(loyal_a) == 150
    assert jobs.expire_points(loyal_a) == 0
    expired = [e for e in entries(loyal_a) if e[2] == "expire"]
    assert [(e[3], e[6]) for e in expired] == [(-150, dt.datetime(2027, 2, 20, 16, 0,
                                                                   tzinfo=UTC))]
    assert balance(loyal_a) == 0


def test_points_handed_back_into_an_expired_lot_expire_again(loyal_a, clock):
    services.update_settings(loyal_a, {"points_per_currency_unit": 1, "min_redemption": 1})
    pay(loyal_a, "O1", "500.00", at="2026-01-10T10:00:00")  # lot: 500, expires 2027-01-10 16:00Z
    pay(loyal_a, "O2", "300.00", points_amount="200.00")  # −200 from O1's lot, earns 100
    clock.value = dt.datetime(2027, 1, 15, 2, 0, tzinfo=UTC)
    assert jobs.expire_points(loyal_a) == 300  # what was left of O1's lot
    cancel_order(loyal_a, "O2")
    # O2's 100 taken back; the 200 it spent go back to O1's (expired) lot:
    # 500 − 200 + 100 − 300 − 100 + 200 = 200
    assert balance(loyal_a) == 200
    assert jobs.expire_points(loyal_a) == 200
    assert jobs.expire_points(loyal_a) == 0
    assert balance(loyal_a) == 0
    assert [e[5] for e in entries(loyal_a) if e[2] == "expire"] == [
        f"{entries(loyal_a)[0][0]}:1", f"{entries(loyal_a)[0][0]}:2"]


def test_reminder_task_for_points_expiring_within_30_days(loyal_a, clock):
    _two_lots(loyal_a)
    services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 150,
                                     "redemption_ref": "X1"})
    clock.value = dt.datetime(2027, 1, 25, 2, 0, tzinfo=UTC)
    # 150 points expire 2027-02-20 16:00 UTC, 26.6 days ahead: within 30 days
    assert jobs.expiry_reminders(loyal_a) == 1
    assert jobs.expiry_reminders(loyal_a) == 0
    task = loyal_a.session.scalar(select(Task).where(Task.brand_id == loyal_a.brand_id))
    cid = get_by_ref(loyal_a, Customer, "C1").id
    assert task.rule_key == f"loyalty:expiry:{cid}:2027-02-20"
    assert "150" in task.title and "2027-02-20" in task.title
    assert task.rep_id is not None


def test_birthday_bonus_once_a_year(loyal_a, clock):
    pay(loyal_a, "O1", "10.00")
    update_customer(loyal_a, "C1", {"birthday": "1990-03-02"})  # clock: 2026-03-02 local
    assert jobs.birthday_bonuses(loyal_a) == 1
    jobs.birthday_bonuses(loyal_a)
    assert balance(loyal_a) == 10 + 100
    assert [e[5] for e in entries(loyal_a) if e[4] == "birthday"] == [
        f"{get_by_ref(loyal_a, Customer, 'C1').id}:2026"]


class TierRecorder:
    def __init__(self):
        self.changes = []

    @hookimpl
    def crm_loyalty_tier_changed(self, ctx, changes):
        self.changes.extend((c.old_tier, c.new_tier, c.reason) for c in changes)


def test_tier_downgrade_by_job_with_history_and_hook(loyal_a, clock):
    recorder = TierRecorder()
    pm = loyal_a.registry.pm
    pm.register(recorder, name="tier-recorder")
    try:
        pay(loyal_a, "O1", "2000.00")
        clock.value = dt.datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
        assert jobs.evaluate_tiers(loyal_a) == 0  # 2000.00 in the last 12 months: keeps 银卡
        clock.value = dt.datetime(2027, 3, 5, 2, 0, tzinfo=UTC)
        # window 2026-03-05 .. now holds no spend: below 银卡's 1500 retain → 普通会员
        assert jobs.evaluate_tiers(loyal_a) == 1
    finally:
        pm.unregister(recorder)
    assert recorder.changes == [("member", "silver", "paid_order"),
                                ("silver", "member", "scheduled")]
    assert len(loyal_a.session.scalars(select(LoyaltyTierChange)).all()) == 2


def test_rewards_catalogue_and_redemption(loyal_a):
    pay(loyal_a, "O1", "500.00")
    services.save_reward(loyal_a, {"code": "GIFT", "name": "Travel kit", "kind": "product",
                                   "points_cost": 300, "stock": 1})
    services.save_reward(loyal_a, {"code": "SPA", "name": "Facial", "kind": "service",
                                   "points_cost": 300})
    row = services.redeem_reward(loyal_a, {"customer_ref": "C1", "reward_code": "GIFT",
                                           "redemption_ref": "W1"})
    assert row.points == 300 and balance(loyal_a) == 200
    again = services.redeem_reward(loyal_a, {"customer_ref": "C1", "reward_code": "GIFT",
                                             "redemption_ref": "W1"})
    assert again.id == row.id and balance(loyal_a) == 200
    assert [r.stock for r in services.list_rewards(loyal_a)] == [0, None]
    with pytest.raises(DomainError, match="out of stock"):
        services.redeem_reward(loyal_a, {"customer_ref": "C1", "reward_code": "GIFT",
                                         "redemption_ref": "W2"})
    with pytest.raises(InsufficientPoints):
        services.redeem_reward(loyal_a, {"customer_ref": "C1", "reward_code": "SPA",
                                         "redemption_ref": "W3"})
    with pytest.raises(ValidationFailed) as err:
        services.save_reward(loyal_a, {"code": "X", "name": "X", "kind": "car",
                                       "points_cost": 0})
    assert set(err.value.errors) == {"kind", "points_cost"}


def test_manual_adjustment_needs_reason_and_cannot_overdraw(loyal_a):
    pay(loyal_a, "O1", "100.00")
    with pytest.raises(ValidationFailed) as err:
        services.adjust(loyal_a, {"customer_ref": "C1", "points": 0, "reason": ""})
    assert set(err.value.errors) == {"points", "reason"}
    with pytest.raises(InsufficientPoints):
        services.adjust(loyal_a, {"customer_ref": "C1", "points": -101, "reason": "typo fix"})
    loyal_a.user = "manager.li"
    entry = services.adjust(loyal_a, {"customer_ref": "C1", "points": -40,
                                      "reason": "duplicate order"})
    assert (entry.points, entry.created_by, entry.reason) == (-40, "manager.li",
                                                              "duplicate order")
    assert balance(loyal_a) == 60


def test_settings_bad_input_names_the_field(loyal_a):
    with pytest.raises(ValidationFailed) as err:
        services.update_settings(loyal_a, {"earn_rate": "-1", "rounding": "sideways",
                                           "validity_months": "x"})
    assert set(err.value.errors) == {"earn_rate", "rounding", "validity_months"}


def test_tick_runs_loyalty_jobs_only_for_brands_that_enabled_it(loyal_a, ctx_b, clock):
    from core.scheduler import run_jobs
    from tests.plugins.loyalty.conftest import seed

    seed(ctx_b)
    _two_lots(loyal_a)
    clock.value = dt.datetime(2027, 1, 11, 2, 0, tzinfo=UTC)  # O1's 100 points expired
    runs = {(r.module, r.job): r for r in run_jobs(loyal_a)}
    run = runs[("loyalty", "loyalty.points_expired")]
    assert run.error is None and run.counts == {"points_expired": 100}
    assert "100" in run.message
    # O2's 200 points expire 2027-02-20: within 30 days of 2027-01-25, not of 2027-01-11
    assert runs[("loyalty", "loyalty.reminders")].counts == {"reminders": 0}
    assert not [r for r in run_jobs(ctx_b) if r.module == "loyalty"]
    assert balance(loyal_a) == 200
