"""The one registry of code labels, and texts stored in one language shown in another."""

from __future__ import annotations

import pytest

from core import labels
from core.i18n import _, use_locale


def test_core_codes_in_three_languages() -> None:
    cases = [("payment_method", "unspecified", "Not specified", "未指定", "未指定"),
             ("payment_method", "import", "Imported payment", "导入的付款", "匯入的付款"),
             ("order_channel", "offline", "In person", "到店/当面", "臨櫃/當面"),
             ("source_channel", "wechat_group", "WeChat group", "微信群", "微信群組"),
             ("category", "health_food", "Health food", "保健食品", "保健食品"),
             ("actor", "system", "System", "系统", "系統")]
    for kind, code, en, hans, hant in cases:
        got = []
        for locale in ("en", "zh_Hans_CN", "zh_Hant_TW"):
            with use_locale(locale):
                got.append(labels.label(kind, code))
        assert got == [en, hans, hant], (kind, code)


def test_unknown_codes_show_as_they_are() -> None:
    assert labels.label("order_channel", "直播") == "直播"
    assert labels.label("no_such_family", "x") == "x"
    assert labels.label("order_channel", None) == ""


def test_a_module_registers_its_own_family_with_its_translator() -> None:
    seen: list[str] = []

    def translate(msgid: str) -> str:
        seen.append(msgid)
        return msgid.upper()

    labels.register_labels("test_family", {"a": "Alpha"}, translate)
    labels.register_labels("test_family", {"b": "Beta"})
    assert labels.label("test_family", "a") == "ALPHA"
    assert labels.label("test_family", "b") == "BETA"  # the family keeps its translator
    assert labels.choices("test_family") == [("a", "ALPHA"), ("b", "BETA")]
    assert seen == ["Alpha", "Beta", "Alpha", "Beta"]


def test_segment_values_say_what_they_mean() -> None:
    assert labels.segment_label("grid", "E") == "E: large, frequent orders"
    assert labels.segment_label("abc", "-") == "Not ranked (no revenue)"
    assert labels.segment_label("rfm", "534") == "R5 F3 M4"
    assert labels.segment_label("size", "medium") == "Medium"
    with use_locale("zh_Hans_CN"):
        assert labels.label("segment_scheme", "abc") == "ABC（帕累托）"


@pytest.mark.parametrize("reader,expected", [
    ("en", "Replenishment: 维C片 runs out around 2026-03-01"),
    ("zh_Hant_TW", "補貨提醒：维C片 約在 2026-03-01 用完"),
    ("zh_Hans_CN", "补货提醒：维C片 约在 2026-03-01 用完"),
])
def test_a_stored_task_title_in_the_readers_language(reader: str, expected: str) -> None:
    import core.tasks.rules  # noqa: F401  (registers the rules' titles)

    # Written by a rule in the brand's language (Simplified Chinese), as existing rows are.
    stored = "补货提醒：维C片 约在 2026-03-01 用完"
    with use_locale(reader):
        assert labels.stored_text(stored) == expected
        # A title typed by a person stays as it is.
        assert labels.stored_text("回访张伟") == "回访张伟"
    with use_locale("en"):
        english = _("First follow-up after the purchase")
    with use_locale("zh_Hant_TW"):
        assert labels.stored_text(english) == "購買後的首次回訪"
