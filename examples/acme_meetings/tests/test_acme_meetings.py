"""Tests of the acme_meetings example module with directcrm's pytest fixtures (installed
with directcrm): ``ctx_a``/``ctx_b`` (brands A and B), ``enable``, ``run_cli``, ``clock``.
Expected values are worked out by hand from the dates below (brand A is on Shanghai time)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from core.api import Customer, DomainError, ModuleError, ValidationFailed, use_locale
from sqlalchemy import select

from acme_meetings import services

UTC = dt.UTC


@pytest.fixture()
def brand(ctx_a, enable, build):
    enable(ctx_a, "acme_meetings")
    build.product(ctx_a, "P1", price="100.00")
    for ref, name in (("C1", "Li Na"), ("C2", "Wang Fang"), ("C3", "Zhao Lei")):
        build.customer(ctx_a, ref, name=name)
    return ctx_a


@pytest.fixture()
def buy(brand, build):
    """``buy("O1", "C1", at)``: a paid order of one P1 (100.00) through the core."""
    return lambda ref, customer, at: build.paid_order(brand, customer, [("P1", 1)],
                                                      ref=ref, at=at)


def test_a_meeting_its_attendance_and_its_conversions(brand, buy, clock, run_cli):
    clock.value = dt.datetime(2026, 3, 1, 2, tzinfo=UTC)
    r = run_cli("acme_meetings", "add", "--brand", "A", "--ref", "M1", "--title",
                "Spring skin care", "--at", "2026-03-10T14:00:00", "--location", "Shanghai")
    assert r.exit_code == 0, r.output
    for customer, status in (("C1", "attended"), ("C2", "attended"), ("C3", "absent")):
        r = run_cli("acme_meetings", "attend", "--brand", "A", "--meeting", "M1",
                    "--customer", customer, "--status", status)
        assert r.exit_code == 0, r.output
    # The meeting is at 14:00 on 10 March (06:00 UTC); follow-up 7 days: until 17 March
    # 14:00. C1 buys on the 17th at 13:59 (converted), C2 on the 17th at 14:01 (too late),
    # C3 the next day but was absent.
    clock.value = dt.datetime(2026, 3, 18, 2, tzinfo=UTC)
    buy("O1", "C1", "2026-03-17T13:59:00")
    buy("O2", "C2", "2026-03-17T14:01:00")
    buy("O3", "C3", "2026-03-11T10:00:00")
    buy("O4", "C1", "2026-03-12T10:00:00")  # C1's earlier order is the conversion
    r = run_cli("acme_meetings", "report", "--brand", "A", "--meeting", "M1", "--format", "json")
    assert json.loads(r.output) == {"meeting_ref": "M1", "invited": 3, "attended": 2,
                                    "absent": 1, "converted": 1, "conversion_rate": 0.5}


def test_bad_input_names_the_field_and_writes_nothing(brand):
    with pytest.raises(ValidationFailed) as exc:
        services.create_meeting(brand, {"meeting_ref": "M1", "title": "", "held_at": "soon"})
    assert {"title", "held_at"} <= set(exc.value.errors)
    services.create_meeting(brand, {"meeting_ref": "M1", "title": "Spring",
                                    "held_at": "2026-03-10T14:00:00"})
    with pytest.raises(DomainError):
        services.create_meeting(brand, {"meeting_ref": "M1", "title": "Again",
                                        "held_at": "2026-03-11T14:00:00"})
    with pytest.raises(ValidationFailed) as exc:
        services.record_attendance(brand, {"meeting_ref": "M1", "customer_ref": "C1",
                                           "status": "maybe"})
    assert "status" in exc.value.errors


def test_the_customer_page_speaks_chinese(brand):
    from acme_meetings.plugin import crm_customer_profile_sections

    services.create_meeting(brand, {"meeting_ref": "M1", "title": "春季护肤",
                                    "held_at": "2026-03-10T14:00:00"})
    services.record_attendance(brand, {"meeting_ref": "M1", "customer_ref": "C1",
                                       "status": "attended"})
    customer = brand.session.scalar(select(Customer).where(Customer.customer_ref == "C1"))
    with use_locale("zh_Hant_TW"):
        section = crm_customer_profile_sections(brand, customer.id)[0]
    assert section.title == "產品體驗會" and "已到場" in section.html and "春季护肤" in section.html


def test_brands_without_the_module_are_refused(ctx_b, run_cli):
    with pytest.raises(ModuleError):
        services.create_meeting(ctx_b, {"meeting_ref": "M1", "title": "x",
                                        "held_at": "2026-03-10T14:00:00"})
    r = run_cli("acme_meetings", "report", "--brand", "B", "--meeting", "M1")
    assert r.exit_code == 1


def test_field_errors_and_command_help_come_from_the_modules_catalog(brand, run_cli):
    services.create_meeting(brand, {"meeting_ref": "M1", "title": "Spring",
                                    "held_at": "2026-03-10T14:00:00"})
    with use_locale("zh_Hant_TW"), pytest.raises(ValidationFailed) as refused:
        services.record_attendance(brand, {"meeting_ref": "M1", "customer_ref": "C1",
                                           "status": "maybe"})
    assert refused.value.errors == {
        "status": ["請選擇 invited（已邀請）、attended（到場）或 absent（缺席）。"]}
    zh = run_cli("--locale", "zh_Hans_CN", "acme_meetings", "attend", "--help")
    assert "邀请顾客，或记录其是否到场。" in zh.output and "顾客编号。" in zh.output
    listing = run_cli("--locale", "zh_Hans_CN", "--help")
    assert "产品体验会：邀请、到场、会后销售。" in listing.output
    en = run_cli("acme_meetings", "attend", "--help")  # English again in the same process
    assert "Invite a customer, or record whether they came." in en.output
    assert "Customer reference." in en.output
