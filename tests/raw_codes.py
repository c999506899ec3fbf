"""What a reader must never see, shared by every check of labels: the browser walk of
every menu (tests/web/test_walkthrough_browser.py), the audit screen and export
(tests/web/test_audit_labels.py) and the PDFs (tests/plugins/test_pdf_labels.py).

:data:`RAW_CODES` are stored codes that each have a label in ``core.labels`` or a module's
registry; :data:`ALLOWED_WORDS` the words a Chinese page may show in Latin letters.
"""

from __future__ import annotations

import re

from core.web.users import DEMO_USERS

RAW_CODES = (
    "health_food", "health_equipment", "wechat_group", "self_media", "unspecified",
    "bank_transfer", "bank_card", "wechat_pay",
    "alipay", "first_purchase", "a_monthly", "followup48", "no_contact", "no_order",
    "purchased_list", "round_robin", "satisfaction_down", "complaints_rising",
    "in_progress", "waiting_on_customer", "product_quality", "adverse_reaction",
    "rep_conduct", "return_refund", "web_form", "in_person", "cross_border", "third_party",
    "sensitive_data", "cn_resident_id", "refund_points", "cancellation_points",
    "not_applicable", "first_response",
)
# Words a Chinese page may show in Latin letters: brand and product names, units and
# abbreviations every reader uses, and the demo's login names (data, not interface).
ALLOWED_WORDS = {
    "directcrm", "CSV", "API", "PDF", "SKU", "RFM", "ABC", "SLA", "KYC", "VIP", "DEMO",
    "WeChat", "ID", "CNY", "Asia", "Shanghai", "SPF", "LTV", "SHA",
    # survey scores, the PRC's personal information law, the file format and the README
    # are named so in Chinese too
    "NPS", "CSAT", "CES", "PIPL", "UTF", "README",
    "CPL",  # the prefix of complaint ticket refs, data like order refs
    *(username for username, _role, _rep in DEMO_USERS),
}
WORD = re.compile(r"[A-Za-z]{3,}")


def raw_codes_in(text: str) -> list[str]:
    """The raw codes that ``text`` shows as words of their own."""
    return [code for code in RAW_CODES
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]


def english_words_in(text: str) -> list[str]:
    """The words of ``text`` in Latin letters that a Chinese reader should not meet."""
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED_WORDS})


def problems_in(text: str, locale: str) -> list[str]:
    """Raw codes in any language, English words on a Chinese page."""
    found = [f"raw code {code!r}" for code in raw_codes_in(text)]
    if locale != "en":
        english = english_words_in(text)
        if english:
            found.append(f"English words {english}")
    return found
