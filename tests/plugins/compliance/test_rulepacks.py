"""The rule packs are data: every profile loads, IDs come from COMPLIANCE.md, every rule has
its source, dates and a valid mode, and every title is marked for translation."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.compliance.rule_texts import RULE_TEXTS
from plugins.compliance.rules import available_profiles, load_pack

KNOWN_IDS = {f"DS{i}" for i in range(1, 13)} | {"PY1", "R1", "C1", "S1"} | {
    f"P{i}" for i in range(1, 11)}


def test_every_profile_has_a_pack():
    assert available_profiles() == ["CN", "EU", "TW", "US"]


@pytest.mark.parametrize("profile", ["CN", "TW", "US", "EU"])
def test_pack_is_well_formed(profile):
    pack = load_pack(profile)
    assert pack.profile == profile and pack.version
    ids = [r.id for r in pack.rules]
    assert len(ids) == len(set(ids)) and set(ids) <= KNOWN_IDS
    for rule in pack.rules:
        assert rule.source and rule.title in RULE_TEXTS and rule.mode in ("block", "warn")
        assert rule.effective_from <= dt.date(2026, 1, 1)
    assert pack.name in RULE_TEXTS


def test_profile_parameters_follow_compliance_md():
    cn, tw, eu = load_pack("CN"), load_pack("TW"), load_pack("EU")
    assert cn.get("DS7").parameters["max_pay_ratio"] == "0.30"
    assert cn.get("DS8").parameters["return_days"] == 30
    assert cn.get("C1").parameters["return_days"] == 7
    assert cn.get("DS12").parameters == {"rate": "0.15", "minimum": "20000000.00",
                                         "maximum": "100000000.00"}
    assert set(cn.get("PY1").parameters["forbidden_inputs"]) == {
        "sponsor_tree", "recruit_count", "downline_sales"}
    assert cn.get("PY1").hard
    assert tw.get("DS5").parameters["free_exit_days"] == 30
    assert tw.get("DS5").parameters["buyback_rate"] == "0.90"
    assert tw.get("C1").parameters["refund_days"] == 15
    assert tw.get("DS7") is None and tw.get("DS1") is None
    assert eu.get("C1").parameters["return_days"] == 14


def test_return_window_is_the_better_of_ds8_and_c1(clean_a, clean_b):
    from plugins.compliance.checks.returns import return_window
    day = dt.date(2026, 2, 1)
    assert return_window(clean_a, "online", day) == 30  # CN: DS8's 30 beats C1's 7
    assert return_window(clean_a, "store", day) == 30
    assert return_window(clean_b, "online", day) == 7   # TW: C1 only, distance sales
    assert return_window(clean_b, "store", day) is None
