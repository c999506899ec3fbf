"""How the audit screen shows the loyalty module's records (``crm_audit_kinds``)."""

from __future__ import annotations

from typing import Any

from core.api import N_, AuditKind, Customer, names_from
from plugins.loyalty.models import LoyaltyAccount
from plugins.loyalty.models import LoyaltyEntry as LedgerEntry
from plugins.loyalty.models import LoyaltyReward as Reward
from plugins.loyalty.models import LoyaltyRewardRedemption as Redemption
from plugins.loyalty.models import LoyaltyTier as Tier

ENTRY_KINDS = {"earn": N_("Earned"), "redeem": N_("Redeemed"), "expire": N_("Expired"),
               "reverse": N_("Reversed"), "adjust": N_("Adjusted")}
SOURCE_KINDS = {"order": N_("Order"), "refund": N_("Refund"),
                "cancellation": N_("Cancellation"), "refund_points": N_("Refund"),
                "cancellation_points": N_("Cancellation"), "manual": N_("Manual"),
                "birthday": N_("Birthday"), "reward": N_("Reward"),
                "referral": N_("Referral"), "award": N_("Award")}
REWARD_KINDS = {"product": N_("Product"), "voucher": N_("Voucher"), "service": N_("Service")}


def _customer_page(row: Any) -> dict[str, Any]:
    return {"pk": row.customer_id}


def kinds() -> list[AuditKind]:
    """The loyalty tables, named by their customer (linked to the customer's page)."""
    def by_customer(model: Any) -> Any:
        return names_from(model, lambda r: f"{r.name} ({r.customer_ref})",
                          columns=[model.customer_id, Customer.name, Customer.customer_ref],
                          endpoint="CustomerView.show", args=_customer_page,
                          join=(Customer, model.customer_id == Customer.id))

    return [
        AuditKind(LedgerEntry.__tablename__, N_("Points entry"), fields={
            "source_kind": N_("Source"), "source_ref": N_("Source no."),
            "base_amount": N_("Amount counted"), "effective_at": N_("Effective"),
            "expires_at": N_("Expires")},
            codes={"kind": ENTRY_KINDS, "source_kind": SOURCE_KINDS},
            names=by_customer(LedgerEntry)),
        AuditKind(LoyaltyAccount.__tablename__, N_("Loyalty account"), fields={
            "tier_id": N_("Tier"), "tier_since": N_("Tier since")},
            references={"tier_id": Tier.__tablename__}, names=by_customer(LoyaltyAccount)),
        AuditKind(Tier.__tablename__, N_("Tier"), fields={
            "rank": N_("Rank"), "min_value": N_("Spend to reach"),
            "retain_value": N_("Spend to keep"), "multiplier": N_("Points multiplier"),
            "benefits": N_("Benefits")},
            names=names_from(Tier, lambda r: r.name, columns=[Tier.name])),
        AuditKind("loyalty_tier_changes", N_("Tier change"), fields={
            "old_tier_id": N_("Previous tier"), "new_tier_id": N_("New tier"),
            "metric": N_("Spend counted")},
            references={"old_tier_id": Tier.__tablename__, "new_tier_id": Tier.__tablename__}),
        AuditKind("loyalty_allocations", N_("Points allocation"), fields={
            "entry_id": N_("Points entry"), "lot_id": N_("Points lot")}),
        AuditKind(Reward.__tablename__, N_("Reward"), fields={
            "points_cost": N_("Points cost"), "stock": N_("Stock"), "active": N_("On offer")},
            codes={"kind": REWARD_KINDS},
            names=names_from(Reward, lambda r: r.name, columns=[Reward.name])),
        AuditKind(Redemption.__tablename__, N_("Redemption"), fields={
            "redemption_ref": N_("Redemption no."), "reward_id": N_("Reward"),
            "entry_id": N_("Points entry")},
            references={"reward_id": Reward.__tablename__}, names=by_customer(Redemption)),
    ]
