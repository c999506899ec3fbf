"""How the audit screen shows the referral module's records (``crm_audit_kinds``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import aliased

from core.api import N_, AuditKind, Customer, names_from
from plugins.referral.models import Referral, ReferralCode, ReferralReward

SIDES = {"referrer": N_("Referrer"), "referred": N_("Referred customer")}


def kinds() -> list[AuditKind]:
    """Referrals named by the two customers, codes and rewards by their customer."""
    from plugins.referral.reports import STATUS_LABELS

    referrer, referred = aliased(Customer), aliased(Customer)

    def by_customer(model: Any) -> Any:
        return names_from(model, lambda r: f"{r.name} ({r.customer_ref})",
                          columns=[model.customer_id, Customer.name, Customer.customer_ref],
                          endpoint="CustomerView.show", args=lambda r: {"pk": r.customer_id},
                          join=(Customer, model.customer_id == Customer.id))

    def referral_name(row: Any) -> str:
        return f"{row.referrer_name} → {row.referred_name}"

    pair = names_from(
        Referral, referral_name,
        columns=[Referral.referred_id, referrer.name.label("referrer_name"),
                 referred.name.label("referred_name")],
        endpoint="CustomerView.show", args=lambda r: {"pk": r.referred_id},
        join=[(referrer, referrer.id == Referral.referrer_id),
              (referred, referred.id == Referral.referred_id)])

    return [
        AuditKind(ReferralCode.__tablename__, N_("Referral code"),
                  names=by_customer(ReferralCode)),
        AuditKind(Referral.__tablename__, N_("Referral"), fields={
            "referrer_id": N_("Referrer"), "referred_id": N_("Referred customer"),
            "referred_at": N_("Referred"), "source": N_("Source"),
            "hold_reason": N_("Why held"), "qualifies_on": N_("Qualifies on"),
            "decided_at": N_("Decided"), "decision_reason": N_("Decision"),
            "reviewed_by": N_("Reviewed by")},
            codes={"status": STATUS_LABELS},
            references={"referrer_id": "customers", "referred_id": "customers"},
            names=pair),
        AuditKind(ReferralReward.__tablename__, N_("Referral reward"), fields={
            "referral_id": N_("Referral"), "side": N_("For"),
            "qualified_at": N_("Qualified"), "granted_at": N_("Granted")},
            codes={"status": STATUS_LABELS, "side": SIDES},
            references={"referral_id": Referral.__tablename__},
            names=by_customer(ReferralReward)),
    ]
