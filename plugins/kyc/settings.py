"""The kyc module's brand settings, declared once (validation, CLI and screen follow)."""

from __future__ import annotations

from core.api import CARE, MARKETING, N_, SERVICE, Kind, Setting

AREA = "kyc"

SETTINGS = (
    Setting(AREA, "contact_purposes", Kind.CHOICES, [MARKETING, CARE],
            N_("Contact purposes that need consent"),
            N_("Outreach for these purposes needs a live consent for the purpose on the "
               "channel used (P10). Service contacts about the customer's own orders and "
               "complaints are allowed unless listed here."),
            choices=(MARKETING, CARE, SERVICE), choice_labels="kyc.purpose"),
    Setting(AREA, "minor_age", Kind.INT, 14, N_("Age below which a guardian consents"),
            N_("Consent for a younger customer needs the guardian's name (P3)."),
            min=1, max=18),
    Setting(AREA, "refresh_months", Kind.INT, 24, N_("Identity verification valid for "
                                                      "(months)"),
            N_("After this a refresh is due and becomes a task for the owner."),
            min=1, max=120),
    Setting(AREA, "refresh_notice_days", Kind.INT, 30,
            N_("Refresh task this many days before a verification lapses"), min=0, max=365),
    Setting(AREA, "dsr_days", Kind.INT, None, N_("Days to answer a data-subject request"),
            N_("Automatic: by the brand's jurisdiction (CN 15 days; TW 15 to see, 30 to "
               "correct or delete; EU one month; US 45 days)."),
            min=1, max=90, nullable=True),
    Setting(AREA, "retention_lead_days", Kind.INT, 730,
            N_("Keep leads that never bought for (days after their last contact)"),
            N_("Then they are anonymised by the daily retention job (P6)."),
            min=30, max=3650),
    Setting(AREA, "retention_customer_years", Kind.INT, 5,
            N_("Keep inactive customers for (years)"),
            N_("Without any order, contact or consent answer for this long, a customer is "
               "pseudonymised; at least 3 (transaction records, P6)."), min=3, max=30),
)
