"""Rule pack texts marked for translation (titles and profile names live in the TOML
packs; pybabel does not read TOML). ``tests/plugins/compliance/test_rulepacks.py``
checks that this list matches the packs."""

from __future__ import annotations

import re


def N_(s: str) -> str:  # noqa: N802 - mark for extraction
    return s


RULE_TEXTS = [
    N_('Mainland China'),
    N_('Rep eligibility: 18 or older and not in an excluded group'),
    N_('No entry fee and no required purchase to become a rep'),
    N_('Orders only by reps with a valid certificate'),
    N_("Sales only in the rep's province"),
    N_("Rep exit: any time within 60 days of signing, later with 15 days' notice"),
    N_('Sale at the marked price'),
    N_('Rep pay only on own consumer sales, at most 30% of them'),
    N_('Returns of unopened products within 30 days, refund within 7 days'),
    N_('Return policy, outlet address and phone on the receipt'),
    N_('Only the six permitted product categories'),
    N_('Monthly filing by the 15th and continuous disclosure'),
    N_("Deposit: 15% of last month's revenue, ¥20M to ¥100M"),
    N_("No pay for recruiting, entry fees or a downline's sales"),
    N_('Referral rewards: one level, customers only, on real paid orders'),
    N_('Distance sales: 7-day no-reason return, refund within 7 days'),
    N_('Complaints handled within the service levels (brand policy: 24 h, 72 h, 7 days)'),
    N_('Notice before collecting personal data, consent per notice version'),
    N_('Separate consent for sensitive data, sharing, publishing and transfer abroad'),
    N_('Under-14s need guardian consent'),
    N_('Withdrawal is as easy as consent and takes effect at once'),
    N_('Data-subject requests answered within the deadline'),
    N_('Keep personal data only as long as needed'),
    N_('Impact assessment before handling sensitive data, automated decisions, sharing, '
       'publishing'),
    N_('Marketing only with consent and an easy opt-out'),
    N_('European Union'),
    N_('Distance sales: 14-day withdrawal, refund within 14 days'),
    N_('Provable consent, withdrawal as easy as consent'),
    N_('Data-subject requests answered within one month'),
    N_('Taiwan'),
    N_('Rep rescission within 30 days with full refund, then 90% buy-back within 6 months'),
    N_('Mail order and door-to-door sales: 7-day return, refund within 15 days'),
    N_('Income mainly from sales at fair prices, never from recruiting'),
    N_('Complaints handled within the service levels (brand policy)'),
    N_('United States'),
    N_('Rep exit: 90% buy-back of resalable inventory within 12 months'),
    N_('Pay tied to real end-user sales, not recruiting'),
]


# Words of the packs' ``source`` citations, translated when shown (see source_text).
SOURCE_TEXTS = [
    N_("2016 direct-selling product scope announcement"),
    N_("brand policy"),
    N_("inferred from %(source)s"),
    N_("art. %(n)s"),
    N_("arts. %(n)s"),
    N_("sec. %(n)s"),
    N_("(fair prices)"),
    N_("%(first)s and %(second)s"),
]


_CITATION = re.compile(r"\b(arts?|sec)\. ([0-9A-Z.()]+(?:(?:, |–)[0-9A-Z.()]+)*)")
_INFERRED = re.compile(r"^inferred from (.+)$")


def source_text(source: str) -> str:
    """A rule's legal source in the reader's language: the law's own name stays as it is
    written, its words around it are translated ("art. 15" → "第 15 条")."""
    from core.api import _

    whole = _(source)
    if whole != source:
        return whole
    inferred = _INFERRED.match(source)
    if inferred:
        return _("inferred from %(source)s", source=source_text(inferred.group(1)))
    if " and " in source:
        first, second = source.split(" and ", 1)
        return _("%(first)s and %(second)s", first=source_text(first),
                 second=source_text(second))
    msgids = {"art": "art. %(n)s", "arts": "arts. %(n)s", "sec": "sec. %(n)s"}
    text = _CITATION.sub(lambda m: _(msgids[m.group(1)], n=m.group(2)), source)
    for words in ("(fair prices)", "brand policy"):
        text = text.replace(words, _(words))
    return text
