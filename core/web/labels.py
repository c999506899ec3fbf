"""Display names of stored codes (stages, statuses, kinds), translated when shown."""

from __future__ import annotations

from core.catalogue import PRODUCT_CATEGORIES
from core.i18n import N_
from core.i18n import gettext_core as _

LABELS: dict[str, dict[str, str]] = {
    "stage": {"prospect": N_("Prospect"), "first_purchase": N_("First purchase"),
              "repeat": N_("Repeat buyer"), "advocate": N_("Advocate"),
              "churned": N_("Churned")},
    "rep_status": {"applicant": N_("Applicant"), "active": N_("Active"),
                   "suspended": N_("Suspended"), "terminated": N_("Terminated")},
    "order_status": {"pending": N_("Pending"), "paid": N_("Paid"),
                     "cancelled": N_("Cancelled")},
    "interaction": {"visit": N_("Visit"), "call": N_("Call"), "message": N_("Message"),
                    "note": N_("Note")},
    "task_status": {"open": N_("Open"), "done": N_("Done"), "cancelled": N_("Cancelled")},
    "timeline": {"order": N_("Order"), "return": N_("Return"),
                 "interaction": N_("Interaction"), "task": N_("Task"),
                 "requested": N_("Requested"), "refunded": N_("Refunded")},
    "risk_rule": {"no_order": N_("No recent order"), "no_contact": N_("No recent contact"),
                  "satisfaction_down": N_("Satisfaction down"),
                  "complaints_rising": N_("Complaints rising")},
    "lead_status": {"new": N_("New"), "contacted": N_("Contacted"),
                    "converted": N_("Converted"), "lost": N_("Lost"), "pool": N_("Pool")},
    "lead_channel": {"referral": N_("Referral"), "event": N_("Event"), "ads": N_("Ads"),
                     "social": N_("Social"), "purchased_list": N_("Purchased list"),
                     "partner": N_("Partner")},
    "lead_contact": {"visit": N_("Visit"), "call": N_("Call"), "message": N_("Message"),
                     "event": N_("Event"), "other": N_("Other")},
    "category": PRODUCT_CATEGORIES,
}


def label(kind: str, code: object) -> str:
    """The translated name of ``code`` (an enum or its value) in the ``kind`` family."""
    value = getattr(code, "value", code)
    text = LABELS.get(kind, {}).get(str(value))
    return _(text) if text else str(value)


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, translated label) pairs for a select."""
    return [(k, _(v)) for k, v in LABELS[kind].items()]
