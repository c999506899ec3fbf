"""How the audit screen shows the complaints module's records (``crm_audit_kinds``)."""

from __future__ import annotations

from typing import Any

from core.api import N_, AuditKind, names_from
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
            "first_response_at": N_("First response")},
            names=names_from(Ticket, lambda r: r.ref, columns=[Ticket.ref],
                             endpoint="ComplaintsView.ticket", args=_ticket_page)),
        AuditKind(TicketEntry.__tablename__, N_("Ticket timeline entry"),
                  references=by_ticket),
        AuditKind(TicketPause.__tablename__, N_("Ticket clock pause"), references=by_ticket),
        AuditKind(Closure.__tablename__, N_("Service closure")),
        AuditKind(Survey.__tablename__, N_("Satisfaction survey")),
        AuditKind(SurveyTemplate.__tablename__, N_("Survey questions")),
    ]
