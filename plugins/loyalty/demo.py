"""The loyalty module's part of the demo brand: a rewards catalogue and redemptions.

Points come from the demo's paid orders (the module's own reaction to the import); a few
of the customers with the most points have exchanged them for a reward.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from core.api import Ctx, Customer
from plugins.loyalty.models import LoyaltyEntry, LoyaltyReward
from plugins.loyalty.services import redeem_reward, save_reward

REWARDS = [
    ("GIFT-MASK", "补水面膜 5 片装", "product", 800),
    ("VOUCHER-50", "50 元购物券", "voucher", 1500),
    ("SPA-CARE", "上门皮肤护理一次", "service", 3000),
]


def demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """The catalogue, then a reward for a few of the best point holders (only on a brand
    without rewards)."""
    if ctx.session.scalar(select(func.count(LoyaltyReward.id)).where(
            LoyaltyReward.brand_id == ctx.brand_id)):
        ctx.session.rollback()
        return
    balance = func.sum(LoyaltyEntry.points)
    best = ctx.session.execute(
        select(Customer.customer_ref, balance)
        .join(LoyaltyEntry, LoyaltyEntry.customer_id == Customer.id)
        .where(Customer.brand_id == ctx.brand_id, LoyaltyEntry.brand_id == ctx.brand_id)
        .group_by(Customer.customer_ref).order_by(balance.desc(), Customer.customer_ref)
        .limit(6)).all()
    ctx.session.rollback()
    for code, name, kind, cost in REWARDS:
        save_reward(ctx, {"code": code, "name": name, "kind": kind, "points_cost": cost,
                          "stock": 50})
    for k, (ref, points) in enumerate(best):
        code, _name, _kind, cost = REWARDS[k % len(REWARDS)]
        if int(points or 0) >= cost:
            redeem_reward(ctx, {"customer_ref": ref, "reward_code": code,
                                "redemption_ref": f"DEMO-{ref}-{code}"})
