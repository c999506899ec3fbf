"""Complaints and service: tickets with SLA clocks in the brand's working calendar."""

MANIFEST = {
    "name": "complaints",
    "version": "0.1.0",
    "summary": "Complaint tickets with first-responder ownership, SLA clocks in the brand's "
               "working calendar (holidays, make-up days, closures), warnings, breaches and "
               "escalation (S1).",
    "depends": [],
    # Customer service works the queue; compliance officers follow adverse reactions.
    "grants": {"customer_service": "write", "compliance_officer": "write"},
}
