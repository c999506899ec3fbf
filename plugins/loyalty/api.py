"""REST API of the loyalty module under ``/api/v1/loyalty``: balance, ledger, redemption.

Same permissions as the screens (resource ``mod_loyalty``: ``can_read`` to look,
``can_write`` to redeem), same brand and rep scoping (another brand's customer is 404).
A redemption's ``redemption_ref`` makes a retried request harmless.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.api import expose, protect
from marshmallow import Schema

from core.api import Ctx, Customer, get_by_ref
from core.api.web import CrmApi, api_errors, jsonable, module_ctx, openapi, out
from plugins.loyalty import services
from plugins.loyalty.models import LoyaltyEntry
from plugins.loyalty.schemas import EntryOut, RedeemPointsSchema, RedeemRewardSchema


class BalanceOut(Schema):
    """A customer's points at a glance."""

    customer_ref = out.text()
    balance = out.integer()
    spendable = out.integer()
    tier = out.text(nullable=True)
    tier_name = out.text(nullable=True)
    expiring_soon = out.integer()
    expiring_by = out.when()


class RewardRedemptionOut(Schema):
    """A reward given for points."""

    redemption_ref = out.text()
    points = out.integer()
    entry_id = out.integer(metadata={"description": "The ledger entry that spent them"})


PAGE = {"page": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100}}


def _brand_ctx() -> Ctx:
    """The request's context; a brand without the module gets 404 like any unknown page."""
    return module_ctx(services.MODULE)


def _entry(e: LoyaltyEntry) -> dict[str, Any]:
    return jsonable(EntryOut().dump(e))


class LoyaltyApi(CrmApi):
    """A customer's points: balance, ledger, and spending them."""

    resource_name = "loyalty"
    class_permission_name = "mod_loyalty"
    method_permission_name = {"balance": "read", "ledger": "read", "rewards": "read",
                              "redeem": "write", "redeem_reward": "write"}

    @expose("/customers/<string:ref>/balance", methods=["GET"])
    @protect()
    @api_errors
    def balance(self, ref: str) -> Any:
        ctx = _brand_ctx()
        s = services.summary(ctx, get_by_ref(ctx, Customer, ref).id, last=0)
        return self.response(200, result={
            "customer_ref": ref, "balance": s.balance, "spendable": s.spendable,
            "tier": s.tier_code, "tier_name": s.tier_name, "expiring_soon": s.expiring_soon,
            "expiring_by": s.expiring_by.isoformat()})

    openapi("A customer's points balance and tier", path=("ref",), method="get",
            response=BalanceOut)(balance)

    @expose("/customers/<string:ref>/ledger", methods=["GET"])
    @protect()
    @api_errors
    def ledger(self, ref: str) -> Any:
        ctx = _brand_ctx()
        page, size = self.paging()
        rows = services.ledger_entries(ctx, ref, limit=size, offset=(page - 1) * size)
        return self.response(200, page=page, page_size=size, result=[_entry(e) for e in rows])

    openapi("A customer's ledger entries, newest first", path=("ref",), query=PAGE,
            method="get", response=EntryOut, many=True,
            envelope={"page": "integer", "page_size": "integer"})(ledger)

    @expose("/customers/<string:ref>/redemptions", methods=["POST"])
    @protect()
    @api_errors
    def redeem(self, ref: str) -> Any:
        entry = services.redeem_points(_brand_ctx(), {**self.json_body(), "customer_ref": ref})
        return self.response(201, result=_entry(entry))

    openapi("Spend points (a retried redemption_ref changes nothing)", path=("ref",),
            body=RedeemPointsSchema(exclude=("customer_ref",)), method="post",
            response=EntryOut)(redeem)

    @expose("/customers/<string:ref>/rewards", methods=["POST"])
    @protect()
    @api_errors
    def redeem_reward(self, ref: str) -> Any:
        row = services.redeem_reward(_brand_ctx(), {**self.json_body(), "customer_ref": ref})
        return self.response(201, result={"redemption_ref": row.redemption_ref,
                                          "points": row.points, "entry_id": row.entry_id})

    openapi("Give a reward for points", path=("ref",),
            body=RedeemRewardSchema(exclude=("customer_ref",)), method="post",
            response=RewardRedemptionOut)(redeem_reward)
