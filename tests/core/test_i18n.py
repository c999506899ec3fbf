"""Catalogs: every string extracted from core/ and plugins/ is translated in all three
languages (re-extracted from the source here, so a new untranslated string fails), and
Babel formats money, numbers and dates per locale."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from core.i18n import SUPPORTED_LOCALES, _, use_locale
from core.i18n_extract import extract, missing_translations, read_catalog
from core.web import formatting

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


@pytest.fixture(scope="module")
def template():  # noqa: ANN201 - a babel Catalog
    return extract()


def test_source_has_strings_to_translate(template) -> None:  # noqa: ANN001
    ids = {m.id for m in template if m.id}
    # A few strings from the core, the web admin and a plugin.
    assert {"Missing data for required field.", "Customers", "Sales by month"} <= ids


def test_every_extracted_string_is_translated(template) -> None:  # noqa: ANN001
    missing = missing_translations(template)
    assert missing == {locale: [] for locale in SUPPORTED_LOCALES}, (
        "run `python -m core.i18n_extract` and translate the new strings in locales/")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_their_placeholders(locale: str) -> None:
    for message in read_catalog(locale):
        if message.id and message.string:
            # Plurals: every form keeps the placeholders of the singular msgid.
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for form in forms:
                assert sorted(PLACEHOLDER.findall(msgid)) == sorted(
                    PLACEHOLDER.findall(form)), message.id


def test_gettext_uses_the_current_locale() -> None:
    with use_locale("zh_Hant_TW"):
        assert _("Customers") == "客戶"
        assert _("%(n)s results", n=7) == "7 筆結果"
    with use_locale("zh_Hans_CN"):
        assert _("Customers") == "客户"
    with use_locale("en"):
        assert _("Customers") == "Customers"


def test_money_numbers_and_dates_per_locale() -> None:
    amount = Decimal("1234.5")
    assert formatting.money(amount, "CNY", "zh_Hans_CN") == "¥1,234.50"
    assert formatting.money(amount, "CNY", "en") == "CN¥1,234.50"
    # In Taiwan the dollar sign means New Taiwan dollars.
    assert formatting.money(amount, "TWD", "zh_Hant_TW") == "$1,234.50"
    assert formatting.number(1234567, "en") == "1,234,567"
    day = dt.date(2026, 3, 2)
    assert formatting.date(day, "zh_Hans_CN") == "2026年3月2日"
    assert formatting.date(day, "en") == "Mar 2, 2026"
    # 02:00 UTC is 10:00 in Shanghai, the same day.
    at = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    assert formatting.datetime(at, "Asia/Shanghai", "en", "short") == "3/2/26, 10:00\u202fAM"
    assert formatting.money(None, "CNY", "en") == "—"


def test_core_screens_keep_the_core_translation(tmp_path) -> None:  # noqa: ANN001
    """A module's catalog may give a shared msgid its own meaning in its own texts, but
    the core's screens (``gettext_core``) keep the core's translation."""
    import core.i18n as i18n
    from core.i18n import gettext_core, register_catalog

    folder = tmp_path / "zh_Hans_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "test_module.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Customers"\nmsgstr "顾客数"\n', encoding="utf-8")
    register_catalog(tmp_path, "test_module")
    try:
        with use_locale("zh_Hans_CN"):
            assert _("Customers") == "顾客数"
            assert gettext_core("Customers") == "客户"
    finally:
        i18n._catalog_dirs.remove((tmp_path, "test_module"))
        i18n.translations.cache_clear()


def test_each_module_reads_its_own_catalog_first(tmp_path) -> None:  # noqa: ANN001
    """Two modules give "Visits" different meanings (one counts store visits, the other
    lists meetings); each module's own ``_`` keeps its meaning, where the merged catalog
    can hold only one; a string a module does not translate falls back to the core's."""
    import core.i18n as i18n
    from core.api import module_translations, register_catalog

    for domain, text in (("mod_one", "到店次数"), ("mod_two", "体验会")):
        folder = tmp_path / domain / "zh_Hans_CN" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / f"{domain}.po").write_text(
            'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n'
            '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
            f'msgid "Visits"\nmsgstr "{text}"\n\n'
            'msgid "%(num)d visit"\nmsgid_plural "%(num)d visits"\n'
            f'msgstr[0] "%(num)d 次{text}"\n', encoding="utf-8")
        register_catalog(tmp_path / domain, domain)
    one, two = module_translations("mod_one"), module_translations("mod_two")
    try:
        with use_locale("zh_Hans_CN"):
            assert one.gettext("Visits") == "到店次数"
            assert two.gettext("Visits") == "体验会"
            assert _("Visits") == "体验会"          # the merged catalog: the last one
            assert one.gettext("Customers") == "客户"  # not in its catalog: the core's
            assert one.ngettext("%(num)d visit", "%(num)d visits", 3) == "3 次到店次数"
        with use_locale("en"):
            assert one.gettext("Visits") == "Visits"
            assert two.ngettext("%(num)d visit", "%(num)d visits", 1) == "1 visit"
    finally:
        for domain in ("mod_one", "mod_two"):
            i18n._catalog_dirs.remove((tmp_path / domain, domain))
        i18n.translations.cache_clear()
        i18n.domain_translations.cache_clear()
