"""Translated labels of the module's codes (purposes, channels, documents, methods)."""

from __future__ import annotations

from core.api import N_, _, register_labels

PURPOSE_LABELS = {
    "marketing": N_("Marketing"), "care": N_("Care"), "service": N_("Service"),
    "profiling": N_("Profiling"), "sensitive_data": N_("Sensitive data"),
    "third_party": N_("Sharing with third parties"), "cross_border": N_("Transfer abroad"),
}
CHANNEL_LABELS = {
    "sms": N_("SMS"), "wechat": N_("WeChat"), "email": N_("E-mail"), "phone": N_("Phone"),
    "visit": N_("Visit"),
}
ID_TYPE_LABELS = {
    "cn_resident_id": N_("Resident ID card"), "tw_national_id": N_("Taiwan national ID"),
    "hk_mo_permit": N_("Hong Kong/Macau home-return permit"),
    "tw_permit": N_("Taiwan compatriot permit"), "passport": N_("Passport"),
    "cn_uscc": N_("Unified social credit code"),
}
METHOD_LABELS = {
    "sms": N_("SMS code"), "face": N_("Face check"), "onsite": N_("On-site check"),
    "bank_card": N_("Bank card"),
}

REQUEST_KIND_LABELS = {
    "access": N_("Access"), "export": N_("Copy (export)"), "correct": N_("Correction"),
    "delete": N_("Deletion"), "portability": N_("Portability"), "explain": N_("Explanation"),
    "withdraw": N_("Withdrawal"),
}
TRIGGER_LABELS = {
    "sensitive_data": N_("Sensitive data"), "automated_decision": N_("Automated decisions"),
    "sharing": N_("Sharing with third parties"), "publishing": N_("Publishing"),
    "cross_border": N_("Transfer abroad"), "other": N_("Other"),
}
REQUEST_STATUS_LABELS = {"open": N_("Open"), "done": N_("Done"), "refused": N_("Refused")}
CONSENT_STATE_LABELS = {"given": N_("Given"), "withdrawn": N_("Withdrawn")}
CONSENT_SOURCE_LABELS = {"web": N_("Web page"), "rep": N_("Through a rep"),
                         "import": N_("Imported"), "api": N_("API"),
                         "cli": N_("Command line")}
SUBJECT_LABELS = {"customer": N_("Customer"), "rep": N_("Rep")}


for _kind, _labels in (("purpose", PURPOSE_LABELS), ("channel", CHANNEL_LABELS),
                       ("id_type", ID_TYPE_LABELS), ("method", METHOD_LABELS),
                       ("request_kind", REQUEST_KIND_LABELS), ("trigger", TRIGGER_LABELS),
                       ("request_status", REQUEST_STATUS_LABELS),
                       ("consent_state", CONSENT_STATE_LABELS),
                       ("consent_source", CONSENT_SOURCE_LABELS),
                       ("subject", SUBJECT_LABELS)):
    register_labels(f"kyc.{_kind}", _labels, _)
# The contact gate's refusals name a consent purpose and channel.
register_labels("contact_purpose", PURPOSE_LABELS, _)
register_labels("contact_channel", CHANNEL_LABELS, _)


def label(labels: dict[str, str], code: str | None) -> str:
    """The translated label of ``code`` (the code itself when unknown)."""
    if code is None:
        return ""
    return _(labels[code]) if code in labels else code
