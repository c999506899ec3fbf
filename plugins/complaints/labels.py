"""Translated labels of the module's codes (marked here, translated when shown)."""

from __future__ import annotations

from core.api import N_, _, register_labels
from core.api import label as core_label

LABELS: dict[str, dict[str, str]] = {
    "status": {"new": N_("New"), "responded": N_("Responded"),
               "in_progress": N_("In progress"),
               "waiting_on_customer": N_("Waiting on customer"),
               "resolved": N_("Resolved"), "closed": N_("Closed")},
    "clock": {"business": N_("Working time"), "calendar": N_("Calendar time (24x7)")},
    "severity": {"critical": N_("Critical"), "high": N_("High"), "normal": N_("Normal"),
                 "low": N_("Low")},
    "category": {"product_quality": N_("Product quality"),
                 "adverse_reaction": N_("Adverse reaction"), "delivery": N_("Delivery"),
                 "rep_conduct": N_("Rep conduct or misleading claims"),
                 "return_refund": N_("Return or refund"), "billing": N_("Billing"),
                 "privacy": N_("Privacy"), "other": N_("Other")},
    "channel": {"phone": N_("Phone call"), "wechat": N_("WeChat"), "email": N_("E-mail"),
                "web_form": N_("Web form"), "in_person": N_("In person"),
                "rep": N_("Through a rep")},
    "resolution": {"refund": N_("Refund"), "replacement": N_("Replacement"),
                   "apology": N_("Apology"), "compensation": N_("Compensation"),
                   "no_action": N_("No action")},
    "kind": {"opened": N_("Opened"), "reply": N_("Reply to the customer"),
             "note": N_("Internal note"), "status": N_("Status"), "owner": N_("Owner"),
             "assignee": N_("Assigned to"), "severity": N_("Severity"),
             "severity_raised": N_("Severity raised: an adverse reaction is at least high"),
             "resolution": N_("Resolution"), "root_cause": N_("Root cause"),
             "warning": N_("SLA warning"), "breach": N_("SLA breach"),
             "escalation": N_("Escalation")},
    "target": {"first_response": N_("First-response target"),
               "resolution": N_("Resolution target")},
}


for _kind, _labels in LABELS.items():
    register_labels(f"complaints.{_kind}", _labels, _)
# The tasks the module creates (an adverse reaction, an escalation).
register_labels("task_kind", {"complaint": N_("Complaint")}, _)


def label(kind: str, code: str | None) -> str:
    """The translated label of ``code`` of ``kind`` (the code itself when unknown)."""
    return core_label(f"complaints.{kind}", code)


def choices(kind: str) -> list[tuple[str, str]]:
    """(code, translated label) pairs for a select."""
    return [(code, _(text)) for code, text in LABELS[kind].items()]
