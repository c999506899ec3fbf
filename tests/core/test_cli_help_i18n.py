"""Command help in the user's language: --locale or DIRECTCRM_LOCALE, at any depth,
core and module commands, and back to English in the same process."""

from __future__ import annotations

from core.cli.help_i18n import requested_locale
from core.i18n_extract import cli_help_messages


def test_help_follows_the_locale_option(run_cli):
    zh = run_cli("--locale", "zh_Hant_TW", "import", "orders", "--help")
    assert zh.exit_code == 0
    assert "匯入訂單 CSV 檔案 FILE（欄位說明見 README）。" in zh.output
    assert "匯入到的品牌代碼。" in zh.output  # an option's help
    loyalty = run_cli("--locale", "zh_Hans_CN", "loyalty", "--help")  # a module's group
    assert "会员积分、等级和奖励。" in loyalty.output
    en = run_cli("import", "orders", "--help")
    assert "Import a CSV FILE of orders (columns: see the README)." in en.output
    assert "Brand code to import into." in en.output


def test_help_follows_the_environment(run_cli, monkeypatch):
    monkeypatch.setenv("DIRECTCRM_LOCALE", "zh_Hans_CN")
    top = run_cli("--help")
    assert "directcrm：面向直销品牌的客户管理系统。" in top.output
    assert "按品牌启用和停用模块。" in top.output  # a command's short help in the listing


def test_only_options_before_the_command_choose_the_language(monkeypatch):
    monkeypatch.delenv("DIRECTCRM_LOCALE", raising=False)
    assert requested_locale(["--locale", "zh_TW", "customers", "--help"]) == "zh_Hant_TW"
    assert requested_locale(["--locale=zh-Hans", "--help"]) == "zh_Hans_CN"
    # A --locale after the command name is another command's option (brand create).
    assert requested_locale(["brand", "create", "X", "--locale", "zh_Hant_TW"]) == "en"


def test_help_texts_are_extracted_for_translators():
    messages = {text for text, _where in cli_help_messages()}
    assert "Import a CSV FILE of orders (columns: see the README)." in messages
    assert "Brand code to import into." in messages
    assert "Loyalty points, tiers and rewards." in messages  # a built-in module's
