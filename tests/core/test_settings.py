"""One settings mechanism: declarations, validation, audit, the CLI, modules' settings."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.errors import NotFound, ValidationFailed
from core.services.modules import enable_modules
from core.services.settings import (
    get_setting,
    list_settings,
    reset_setting,
    set_setting,
    set_settings,
)
from core.settings import Kind, Setting, SettingError
from tests.core.tasks_helpers import run_cli_fixture  # noqa: F401  (fixture)

# Every setting the "one contract" issue names (defect 3) must be declared.
REQUIRED = {
    "tasks.profile_hours", "tasks.followup_hours", "tasks.birthday_days_ahead",
    "customers.protection_days", "leads.strategies", "leads.score_threshold",
    "leads.top_reps", "leads.channel_scores", "churn_risk.no_order_days",
    "churn_risk.satisfaction_drop_pct", "churn_risk.rules", "lifecycle.silent_days",
    "figures.years_retained", "reps.default_capacity", "segmentation.window_days",
    "orders.payment_methods",
}


def test_every_required_setting_is_declared_with_a_label(ctx_a: Ctx) -> None:
    rows = {r.setting.name: r for r in list_settings(ctx_a)}
    assert set(rows) >= REQUIRED
    assert all(r.setting.label and r.is_default for r in rows.values())


def test_a_bad_value_is_refused_naming_the_setting_and_nothing_changes(ctx_a: Ctx) -> None:
    with pytest.raises(ValidationFailed) as exc:
        set_settings(ctx_a, {"tasks.followup_hours": 36, "tasks.profile_hours": 0,
                             "leads.strategies": ["coin_toss"], "tasks.colour": "red"})
    assert exc.value.errors == {
        "tasks.profile_hours": ["Must be at least 1."],
        "leads.strategies": ["Must be some of: referral, score, territory, round_robin."],
        "tasks.colour": ["No such setting."]}
    # The valid one in the same call was not stored either.
    assert get_setting(ctx_a, "tasks.followup_hours") == 48


def test_a_change_is_stored_audited_and_reset(ctx_a: Ctx) -> None:
    assert set_setting(ctx_a, "tasks.followup_hours", "36") == 36
    assert get_setting(ctx_a, "tasks.followup_hours") == 36
    reset_setting(ctx_a, "tasks.followup_hours")
    assert get_setting(ctx_a, "tasks.followup_hours") == 48
    ctx_a.session.rollback()
    entries = ctx_a.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "setting").order_by(AuditEntry.id)).all()
    assert [(e.action, e.record_id, e.changes) for e in entries] == [
        ("setting_changed", "tasks.followup_hours", {"tasks.followup_hours": [48, 36]}),
        ("setting_reset", "tasks.followup_hours", {"tasks.followup_hours": [36, 48]})]
    assert entries[0].actor == "tester"


def test_a_rule_across_settings_of_an_area(ctx_a: Ctx) -> None:
    with pytest.raises(ValidationFailed) as exc:
        set_setting(ctx_a, "segmentation.abc_a_share", "99")  # above abc_b_share (95)
    assert list(exc.value.errors) == ["segmentation.abc_b_share"]
    set_settings(ctx_a, {"segmentation.abc_a_share": "99", "segmentation.abc_b_share": "99.5"})
    assert get_setting(ctx_a, "segmentation.abc_a_share") == "99"


def test_module_settings_appear_only_while_the_module_is_enabled(ctx_a: Ctx,
                                                                 ctx_b: Ctx) -> None:
    with pytest.raises(NotFound):
        set_setting(ctx_a, "loyalty.validity_months", 24)
    enable_modules(ctx_a, ["loyalty"])
    set_setting(ctx_a, "loyalty.validity_months", 24)
    from plugins.loyalty.settings import programme

    assert programme(ctx_a).validity_months == 24
    assert not any(r.setting.area == "loyalty" for r in list_settings(ctx_b))


@pytest.mark.parametrize(("kind", "extra", "value", "expected"), [
    (Kind.INT, {"min": 1, "max": 10}, "7", 7),
    (Kind.DECIMAL, {"places": 2}, "1.50", "1.50"),
    (Kind.MONEY, {}, "12.5", "12.50"),
    (Kind.BOOL, {}, "yes", True),
    (Kind.CHOICES, {"choices": ("a", "b", "c")}, ["c", "a", "c"], ["c", "a"]),
    (Kind.MAPPING, {"min": 0, "max": 100}, {"x": 5}, {"x": 5}),
    (Kind.CHOICE_MAP, {"choices": ("block", "warn")}, {"DS1": "warn"}, {"DS1": "warn"}),
])
def test_kinds_clean_good_values(kind: Kind, extra: dict, value: object,
                                 expected: object) -> None:
    assert Setting("t", "k", kind, None, "K", **extra).clean(value) == expected


@pytest.mark.parametrize(("kind", "extra", "value"), [
    (Kind.INT, {"min": 1, "max": 10}, 11),
    (Kind.INT, {}, True),
    (Kind.INT, {}, "1.5"),
    (Kind.DECIMAL, {}, "NaN"),
    (Kind.DECIMAL, {"places": 2}, "1.555"),
    (Kind.MONEY, {}, "-1"),
    (Kind.BOOL, {}, "maybe"),
    (Kind.TEXT, {"max": 3}, "abcd"),
    (Kind.TEXT, {}, "a\x00b"),
    (Kind.CHOICE, {"choices": ("a",)}, "b"),
    (Kind.MAPPING, {"max": 100}, {"x": 101}),
    (Kind.MAPPING, {}, {"x": "1"}),
    (Kind.TEXT_LIST, {"min": 1}, []),
    (Kind.INT, {}, None),
])
def test_kinds_refuse_bad_values(kind: Kind, extra: dict, value: object) -> None:
    with pytest.raises(SettingError):
        Setting("t", "k", kind, None, "K", **extra).clean(value)


def test_cli_list_set_get_reset(run_cli, ctx_a: Ctx) -> None:  # noqa: F811
    enable_modules(ctx_a, ["loyalty"])
    listed = json.loads(run_cli("settings", "list", "--brand", "A", "--format", "json").output)
    by_name = {row["name"]: row for row in listed}
    assert set(by_name) >= REQUIRED and "loyalty.earn_rate" in by_name
    assert by_name["tasks.followup_hours"] == {
        **by_name["tasks.followup_hours"], "value": 48, "default": 48, "type": "int",
        "is_default": True, "min": 1, "max": 720}
    bad = run_cli("settings", "set", "--brand", "A", "tasks.followup_hours", "many")
    assert bad.exit_code == 1
    assert "tasks.followup_hours: Must be a whole number." in bad.output
    ok = run_cli("settings", "set", "--brand", "A", "--user", "li.na",
                 "leads.strategies", "territory,round_robin")
    assert ok.exit_code == 0, ok.output
    got = run_cli("settings", "get", "--brand", "A", "leads.strategies")
    assert got.output.strip() == "territory,round_robin"
    zh = run_cli("--locale", "zh_Hans_CN", "settings", "set", "--brand", "A",
                 "tasks.followup_hours", "0")
    assert zh.exit_code == 1 and "tasks.followup_hours: 不得小于 1。" in zh.output
    reset = run_cli("settings", "reset", "--brand", "A", "leads.strategies")
    assert reset.output.strip() == "leads.strategies = referral,score,territory,round_robin " \
        "(default)"
    got = run_cli("settings", "get", "--brand", "A", "leads.strategies")
    assert got.output.strip() == "referral,score,territory,round_robin"
