"""The one registry of display names for stored codes, in the reader's language.

A code (a stage, a status, a category, a payment method, a segment value, a module name)
is stored and given to the API and to ``--format json`` as it is; pages, CSV exports,
PDFs and CLI tables show its label, translated when shown. The core registers its
families here; a module registers its own from ``plugin.py`` with
:func:`register_labels` (re-exported by ``core.api``), passing its own ``gettext`` so
its catalog translates them. A code nobody labelled is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.catalogue import PRODUCT_CATEGORIES
from core.i18n import N_
from core.i18n import gettext_core as _core


@dataclass(frozen=True)
class _Family:
    labels: dict[str, str]
    translate: Callable[[str], str]


_FAMILIES: dict[str, _Family] = {}


def register_labels(kind: str, labels: Mapping[str, str],
                    translate: Callable[[str], str] | None = None) -> None:
    """Label the codes of family ``kind``: ``labels`` maps each code to its msgid (marked
    with ``N_``), ``translate`` translates a msgid when shown (a module passes its own
    ``_``; by default the core's catalog). Registering a family again adds or replaces
    codes; a family's translator is that of its last registration."""
    family = _FAMILIES.get(kind)
    merged = {**(family.labels if family else {}), **{str(k): v for k, v in labels.items()}}
    _FAMILIES[kind] = _Family(merged, translate or (family.translate if family else _core))


def label(kind: str, code: object) -> str:
    """The translated name of ``code`` (an enum or its value) in the ``kind`` family; the
    code itself when it has no label, ``""`` for ``None``."""
    if code is None:
        return ""
    value = str(getattr(code, "value", code))
    family = _FAMILIES.get(kind)
    text = family.labels.get(value) if family else None
    return family.translate(text) if family and text else value


def choices(kind: str) -> list[tuple[str, str]]:
    """(code, translated label) pairs of a family, for a select."""
    family = _FAMILIES.get(kind)
    return [(k, family.translate(v)) for k, v in family.labels.items()] if family else []


def codes(kind: str) -> list[str]:
    """The labelled codes of a family."""
    family = _FAMILIES.get(kind)
    return list(family.labels) if family else []


def family(kind: str) -> dict[str, str]:
    """The codes of a family with their msgids (untranslated), for declarations that
    translate when shown (the audit screen's code labels)."""
    found = _FAMILIES.get(kind)
    return dict(found.labels) if found else {}


def kinds() -> list[str]:
    """Every registered family."""
    return sorted(_FAMILIES)


# -- the core's families --------------------------------------------------------------

_CORE: dict[str, dict[str, str]] = {
    "stage": {"prospect": N_("Prospect"), "first_purchase": N_("First purchase"),
              "repeat": N_("Repeat buyer"), "advocate": N_("Advocate"),
              "churned": N_("Churned")},
    "rep_status": {"applicant": N_("Applicant"), "active": N_("Active"),
                   "suspended": N_("Suspended"), "terminated": N_("Terminated")},
    "order_status": {"pending": N_("Pending"), "paid": N_("Paid"),
                     "cancelled": N_("Cancelled")},
    # An order's state read from its payments (core.services.payments.payment_state).
    "payment_state": {"pending": N_("Pending"), "partly_paid": N_("Partly paid"),
                      "paid": N_("Paid"), "cancelled": N_("Cancelled"),
                      "refund_due": N_("Deposit to refund")},
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
    "lead_strategy": {"referral": N_("To the referrer's rep"), "score": N_("By score"),
                      "territory": N_("By territory"), "round_robin": N_("In turn"),
                      "manual": N_("By hand"), "pool": N_("From the pool")},
    "lead_contact": {"visit": N_("Visit"), "call": N_("Call"), "message": N_("Message"),
                     "event": N_("Event"), "other": N_("Other")},
    "category": PRODUCT_CATEGORIES,
    # Where a customer came from (free text; these are the codes the product suggests).
    "source_channel": {"referral": N_("Referral"), "event": N_("Event"),
                       "wechat_group": N_("WeChat group"), "field": N_("Door-to-door"),
                       "self_media": N_("Own social media"), "ads": N_("Ads"),
                       "wechat": N_("WeChat"), "phone": N_("Phone call"), "web": N_("Website"),
                       "import": N_("Imported"), "social": N_("Social media")},
    # How an order was placed.
    "order_channel": {"offline": N_("In person"), "wechat": N_("WeChat"),
                      "phone": N_("Phone call"), "event": N_("Event"),
                      "online": N_("Online"),
                      "import": N_("Imported")},
    "payment_method": {"cash": N_("Cash"), "bank_card": N_("Bank card"),
                       "bank_transfer": N_("Bank transfer"), "wechat_pay": N_("WeChat Pay"),
                       "alipay": N_("Alipay"), "unspecified": N_("Not specified"),
                       "import": N_("Imported payment")},
    "task_kind": {"profile": N_("Profile"), "followup": N_("Follow-up"),
                  "a_monthly": N_("Monthly A-class contact"), "birthday": N_("Birthday"),
                  "replenish": N_("Replenishment"), "reactivation": N_("Reactivation"),
                  "manual": N_("Task"), "offboarding": N_("Rep leaving"),
                  "certificate": N_("Certificate renewal")},
    # The task rules (``directcrm tasks generate``, the settings that switch them).
    "task_rule": {"profile": N_("Complete new profiles"),
                  "followup48": N_("Follow-up within 48 hours"),
                  "a_monthly": N_("Monthly A-class contact"), "birthday": N_("Birthday"),
                  "replenish": N_("Replenishment"), "certificate": N_("Certificate renewal")},
    "jurisdiction": {"CN": N_("Mainland China"), "TW": N_("Taiwan"),
                     "US": N_("United States"), "EU": N_("European Union")},
    # The contact gate's purposes (modules may add theirs) and its "any channel".
    "contact_purpose": {"care": N_("Care"), "marketing": N_("Marketing"),
                        "service": N_("Service")},
    "contact_channel": {"any": N_("Any channel"), "sms": N_("SMS"), "wechat": N_("WeChat"),
                        "email": N_("E-mail"), "phone": N_("Phone"), "visit": N_("Visit")},
    # The last run of a scheduled job.
    "job_run_status": {"ok": N_("Succeeded"), "failed": N_("Failed"),
                       "running": N_("Running")},
    # The customer figures (``directcrm figures``), by their field names.
    "figure": {"rep_ref": N_("Rep"), "first_day": N_("First day"), "last_day": N_("Last day"),
               "orders": N_("Orders"), "buyers": N_("Buying customers"),
               "revenue": N_("Revenue"), "aov": N_("Average order value"),
               "repurchase_rate": N_("Repurchase rate (%)"),
               "purchases_per_year": N_("Purchases per year"),
               "years_retained": N_("Years retained"), "ltv": N_("Lifetime value"),
               "new_customers": N_("New customers"), "tasks_due": N_("Tasks due"),
               "tasks_on_time": N_("Tasks done on time"),
               "follow_up_timeliness": N_("Follow-up timeliness (%)"),
               "leads_converted": N_("Leads converted")},
    # The product's languages, each by its own name (as on the language switch).
    "language": {"en": "English", "zh_Hans_CN": "简体中文", "zh_Hant_TW": "繁體中文"},
    # A yes/no cell of a CLI table or an export.
    "boolean": {"True": N_("Yes"), "False": N_("No")},
    # Customer fields a brand may require (setting customers.required_fields).
    "profile_field": {"phone": N_("Phone"), "birthday": N_("Birthday"),
                      "source_channel": N_("Source channel"), "email": N_("E-mail"),
                      "province": N_("Province")},
    "handover_kind": {"offboarding": N_("Rep leaving"), "manual": N_("Manual move")},
    "handover_move": {"customer": N_("Customer"), "task": N_("Task"), "lead": N_("Lead")},
    # Who wrote a row when no person did (imports, rules, the demo).
    "actor": {"system": N_("System")},
    "segment_scheme": {"abc": N_("ABC (Pareto)"), "grid": N_("Value grid (A–E)"),
                       "rfm": N_("RFM scores"), "size": N_("Size")},
    # One line explaining each scheme, shown beside its values.
    "segment_scheme_help": {
        "abc": N_("A: the customers who bring 80% of the revenue; B: the next 15%; "
                  "C: the rest."),
        "grid": N_("A: never bought; B: small and rare orders; C: large but rare; "
                   "D: small but frequent; E: large and frequent."),
        "rfm": N_("Three digits 1–5 for recency, frequency and spending; 5 is best."),
        "size": N_("Small, medium or big by average order value and number of orders."),
    },
    "segment.abc": {"A": N_("A: top 80% of revenue"), "B": N_("B: next 15% of revenue"),
                    "C": N_("C: last 5% of revenue"), "-": N_("Not ranked (no revenue)")},
    "segment.grid": {"A": N_("A: never bought"), "B": N_("B: small, rare orders"),
                     "C": N_("C: large, rare orders"), "D": N_("D: small, frequent orders"),
                     "E": N_("E: large, frequent orders")},
    "segment.rfm": {"-": N_("Not scored (no order in the window)")},
    "segment.size": {"big": N_("Big"), "medium": N_("Medium"), "small": N_("Small"),
                     "-": N_("Not sized (no order in the window)")},
}

for _kind, _labels in _CORE.items():
    register_labels(_kind, _labels)


def segment_label(scheme: str, value: str | None) -> str:
    """A segment value with its meaning: ``E: large, frequent orders``; an RFM score as
    ``R5 F4 M5``; the value itself when nothing is known of it."""
    if value is None:
        return ""
    if scheme == "rfm" and len(value) == 3 and value.isdigit():
        return f"R{value[0]} F{value[1]} M{value[2]}"
    return label(f"segment.{scheme}", value)


# -- texts stored in one language (system task titles) ----------------------------------

_STORED: dict[str, Callable[[str], str]] = {}
_PATTERNS: list[tuple[re.Pattern[str], str, Callable[[str], str]]] = []
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def register_stored_texts(msgids: Iterable[str],
                          translate: Callable[[str], str] | None = None) -> None:
    """Declare msgids that are stored already translated (the title of a task a rule
    creates, written in the brand's language): :func:`stored_text` shows such a text in
    the reader's language, rows written before included. ``translate`` as in
    :func:`register_labels`."""
    for msgid in msgids:
        _STORED[msgid] = translate or _core
    _PATTERNS.clear()


def _pattern(text: str) -> re.Pattern[str] | None:
    parts, names, last = [], set(), 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last:m.start()].replace("%%", "%")))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
        names.add(name)
        last = m.end()
    parts.append(re.escape(text[last:].replace("%%", "%")))
    try:
        return re.compile("".join(parts), re.DOTALL)
    except re.error:
        return None


def _patterns() -> list[tuple[re.Pattern[str], str, Callable[[str], str]]]:
    if not _PATTERNS and _STORED:
        from core.i18n import SUPPORTED_LOCALES, use_locale

        seen: set[str] = set()
        for msgid, translate in _STORED.items():
            for locale in SUPPORTED_LOCALES:
                with use_locale(locale):
                    text = translate(msgid)
                if text in seen:
                    continue
                seen.add(text)
                compiled = _pattern(text)
                if compiled is not None:
                    _PATTERNS.append((compiled, msgid, translate))
    return _PATTERNS


def stored_text(text: str | None) -> str:
    """``text`` in the reader's language when it is a registered stored text in any
    language (its parameters kept), else ``text`` as it is."""
    if not text:
        return text or ""
    for compiled, msgid, translate in _patterns():
        match = compiled.fullmatch(text)
        if match:
            return translate(msgid) % match.groupdict() if match.groupdict() \
                else translate(msgid)
    return text
