"""How the audit screen shows the module's records (``crm_audit_kinds``): labelled fields
and codes named, records named by their reference or their customer."""

from __future__ import annotations

from core.api import N_, AuditKind
from plugins.kyc.labels import (
    CHANNEL_LABELS,
    CONSENT_SOURCE_LABELS,
    ID_TYPE_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    REQUEST_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    TRIGGER_LABELS,
)

LANGUAGES = {"en": "English", "zh_Hans_CN": "简体中文", "zh_Hant_TW": "繁體中文"}
CONSENT_ACTIONS = {"given": N_("Given"), "withdrawn": N_("Withdrawn")}


def kinds() -> list[AuditKind]:
    """The module's tables."""
    return [
        AuditKind("kyc_consent_notices", N_("Consent notice"), fields={
            "version": N_("Version"), "text": N_("Text"), "effective_on": N_("Effective on"),
            "material": N_("Material change")},
            codes={"purpose": PURPOSE_LABELS, "locale": LANGUAGES}),
        AuditKind("kyc_consents", N_("Consent"), fields={
            "action": N_("Answer"), "notice_version": N_("Notice version"),
            "at": N_("When"), "source": N_("Source"), "evidence": N_("Evidence"),
            "guardian_name": N_("Guardian"), "recorded_by": N_("Recorded by"),
            "recorded_at": N_("Recorded")},
            codes={"purpose": PURPOSE_LABELS, "channel": CHANNEL_LABELS,
                   "action": CONSENT_ACTIONS, "source": CONSENT_SOURCE_LABELS}),
        AuditKind("kyc_identities", N_("Identity document"), fields={
            "id_type": N_("Document"), "number": N_("Number"),
            "legal_name": N_("Name on the document"), "birth_date": N_("Birth date"),
            "region": N_("Region")},
            codes={"id_type": ID_TYPE_LABELS}),
        AuditKind("kyc_verifications", N_("Identity check"), fields={
            "identity_id": N_("Identity document"), "method": N_("Method"),
            "passed": N_("Passed"), "verified_by": N_("Checked by"),
            "verified_at": N_("Checked"), "valid_until": N_("Valid until"),
            "evidence_ref": N_("Evidence")},
            codes={"method": METHOD_LABELS}, references={"identity_id": "kyc_identities"}),
        AuditKind("kyc_requests", N_("Data-subject request"), fields={
            "request_ref": N_("Request no."), "opened_at": N_("Opened"),
            "due_on": N_("Due"), "extended_to": N_("Extended to"),
            "identity_check": N_("Identity check"), "closed_at": N_("Closed"),
            "closed_by": N_("Closed by"), "outcome": N_("Outcome")},
            codes={"kind": REQUEST_KIND_LABELS, "status": REQUEST_STATUS_LABELS}),
        AuditKind("kyc_assessments", N_("Impact assessment"), fields={
            "assessment_ref": N_("Assessment no."), "scope": N_("Processing assessed"),
            "trigger": N_("Trigger"), "assessed_on": N_("Assessed on"),
            "decision": N_("Conclusion and measures"), "review_on": N_("Review due"),
            "assessed_by": N_("Assessed by")},
            codes={"trigger": TRIGGER_LABELS}),
        AuditKind("kyc_bank_accounts", N_("Bank account"), fields={
            "holder_name": N_("Account holder"), "account_number": N_("Account number"),
            "bank_name": N_("Bank")}),
    ]
