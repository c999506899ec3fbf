"""How the audit screen shows the complaints module's records (``crm_audit_kinds``)."""

from __future__ import annotations

from typing import Any

from core.api import N_, AuditKind, names_from
from plugins.complaints.labels import LABELS
from plugins.complaints.models import (
    Closure,
    Survey,
    SurveyTemplate,
    Ticket,
    TicketEntry,
    TicketPause,
)


def _ticket_page(row: Any) -> dict[str, Any]:
    return {"ref": row.ref}


#: The codes a timeline entry's old and new values may hold.
ENTRY_VALUES = {**LABELS["status"], **LABELS["severity"], **LABELS["resolution"]}


def kinds() -> list[AuditKind]:
    """The complaints tables; a ticket is named by its ref and links to its page."""
    by_ticket = {"ticket_id": Ticket.__tablename__}
    return [
        AuditKind(Ticket.__tablename__, N_("Complaint ticket"), fields={
            "ref": N_("Ticket"), "caller_name": N_("Caller"), "caller_phone": N_("Phone"),
            "channel": N_("Channel"), "category": N_("Category"), "severity": N_("Severity"),
            "summary": N_("Summary"), "status": N_("Status"), "assignee": N_("Assignee"),
            "owner": N_("Owner"), "resolution": N_("Resolution"),
            "root_cause": N_("Root cause"), "opened_at": N_("Opened"),
            "first_response_at": N_("First response"), "return_id": N_("Return"),
            "resolved_at": N_("Resolved"), "closed_at": N_("Closed"),
            "first_response_due": N_("First response due"),
            "resolution_due": N_("Resolution due"), "escalation_due": N_("Escalation due"),
            "paused_seconds": N_("Paused (seconds)"),
            "escalation_level": N_("Escalation level")},
            codes={name: LABELS[name]
                   for name in ("status", "severity", "category", "channel", "resolution")},
            names=names_from(Ticket, lambda r: r.ref, columns=[Ticket.ref],
                             endpoint="ComplaintsView.ticket", args=_ticket_page)),
        AuditKind(TicketEntry.__tablename__, N_("Ticket timeline entry"), fields={
            "ticket_id": N_("Ticket"), "at": N_("When"), "actor": N_("Who"),
            "body": N_("Text"), "old": N_("Before"), "new": N_("After")},
                  # old and new hold a status, a severity or a resolution (or a login)
                  codes={"kind": LABELS["kind"], "old": ENTRY_VALUES, "new": ENTRY_VALUES},
                  references=by_ticket, hidden=frozenset({"key"})),
        AuditKind(TicketPause.__tablename__, N_("Ticket clock pause"), fields={
            "ticket_id": N_("Ticket"), "started_at": N_("Paused"),
            "ended_at": N_("Resumed")}, references=by_ticket),
        AuditKind(Closure.__tablename__, N_("Service closure"), fields={"day": N_("Day")}),
        AuditKind(Survey.__tablename__, N_("Satisfaction survey"), fields={
            "ticket_id": N_("Ticket"), "category": N_("Category"), "sent_at": N_("Sent"),
            "answered_at": N_("Answered"), "score": N_("Score"), "comment": N_("Comment"),
            "questions": N_("Questions"), "answers": N_("Answers")},
                  codes={"category": LABELS["category"]}, references=by_ticket),
        AuditKind(SurveyTemplate.__tablename__, N_("Survey questions"), fields={
            "questions": N_("Questions"), "updated_by": N_("Changed by")}),
    ]
