"""Decision hooks: refusing an ineligible activation (DS1) and an uncertified order (DS3);
warnings (DS4, DS6); per-brand switch between block and warn."""

from __future__ import annotations

import pytest

from core.errors import RuleViolation, ValidationFailed
from core.i18n import _, use_locale
from core.services.modules import disable_modules
from core.services.reps import change_rep_status
from plugins.compliance.services import set_mode
from tests.plugins.compliance.conftest import order, rep


def test_activating_a_minor_is_refused_naming_ds1(clean_a):
    # Clock: 2 March 2026. Born 3 March 2008: 17 until tomorrow.
    rep(clean_a, "KID", birth_date="2008-03-03", status="applicant")
    with pytest.raises(RuleViolation) as exc:
        change_rep_status(clean_a, "KID", "active")
    assert exc.value.rule_id == "DS1"
    assert "DS1" in exc.value.message and "under 18" in exc.value.message


def test_activating_a_teacher_is_refused_in_chinese(clean_a):
    rep(clean_a, "T1", occupation="teacher", status="applicant")
    with use_locale("zh_Hans_CN"), pytest.raises(RuleViolation) as exc:
        change_rep_status(clean_a, "T1", "active")
    assert "DS1" in exc.value.message and "不能激活" in exc.value.message
    with use_locale("zh_Hans_CN"):
        group = _("excluded group: %(occupation)s", occupation=_("teacher"))
    assert group in exc.value.message


def test_eligible_rep_is_activated(clean_a):
    rep(clean_a, "OK", birth_date="2008-03-02", status="applicant")  # 18 today
    assert change_rep_status(clean_a, "OK", "active").status.value == "active"


def test_ds1_in_warn_mode_lets_the_activation_through(clean_a):
    set_mode(clean_a, "DS1", "warn")
    rep(clean_a, "T2", occupation="civil_servant", status="applicant")
    assert change_rep_status(clean_a, "T2", "active").status.value == "active"


def test_order_by_uncertified_rep_is_refused(clean_a):
    rep(clean_a, "NC", certificate_no=None, certificate_valid_from=None,
        certificate_valid_until=None)
    with pytest.raises(RuleViolation) as exc:
        order(clean_a, "O-NC", "2026-03-01T10:00:00", rep_ref="NC")
    assert exc.value.rule_id == "DS3" and "NC" in exc.value.message
    set_mode(clean_a, "DS3", "warn")
    order(clean_a, "O-NC", "2026-03-01T10:00:00", rep_ref="NC")  # now only a warning


def test_order_after_certificate_expiry_is_refused(clean_a):
    rep(clean_a, "EX", certificate_valid_until="2026-02-28")
    order(clean_a, "O-OK", "2026-02-28T23:59:00", rep_ref="EX")  # last valid day, Shanghai
    with pytest.raises(RuleViolation) as exc:
        order(clean_a, "O-EX", "2026-03-01T00:01:00", rep_ref="EX")
    assert exc.value.rule_id == "DS3"


def test_out_of_territory_warns_then_blocks(clean_a):
    order(clean_a, "O-ZJ", "2026-03-01T10:00:00", region="Zhejiang")  # DS4 warns only
    set_mode(clean_a, "DS4", "block")
    with pytest.raises(RuleViolation) as exc:
        order(clean_a, "O-ZJ2", "2026-03-01T10:00:00", region="Zhejiang")
    assert exc.value.rule_id == "DS4" and "Zhejiang" in exc.value.message


def test_hard_rule_cannot_be_softened(clean_a):
    with pytest.raises(ValidationFailed) as exc:
        set_mode(clean_a, "PY1", "warn")
    assert "mode" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        set_mode(clean_a, "XX9", "warn")
    assert "rule" in exc.value.errors


def test_tw_brand_is_not_blocked_by_cn_rules(clean_b):
    rep(clean_b, "KID", birth_date="2010-01-01", status="applicant", province="Taipei")
    change_rep_status(clean_b, "KID", "active")  # no DS1 in the TW profile


def test_disabled_module_does_not_decide(clean_a):
    disable_modules(clean_a, ["compliance"])
    rep(clean_a, "T3", occupation="teacher", status="active")  # allowed: module off


def test_brand_without_the_module_is_not_checked(ctx_b):
    from core.services.customers import create_customer
    from core.services.products import create_product
    create_product(ctx_b, {"sku": "P1", "name": "x", "category": "toys", "list_price": "1.00"})
    rep(ctx_b, "NC", certificate_no=None, certificate_valid_from=None,
        certificate_valid_until=None, birth_date="2012-01-01")
    create_customer(ctx_b, {"customer_ref": "C1", "name": "c", "rep_ref": "NC"})
    order(ctx_b, "O1", "2026-03-01T10:00:00", rep_ref="NC", price="0.50")
