"""The consent ledger: answers, withdrawals, notices, minors, re-consent, the contact gate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from core.api import Customer, ValidationFailed, may_contact
from core.services.contact import blocked_outreach
from core.services.merge import merge_customers
from core.services.settings import set_settings
from core.tasks.rules import run_task_rules
from plugins.kyc.consent import consent_states, reconsent_due
from plugins.kyc.models import ConsentRecord
from tests.core.tasks_helpers import tasks
from tests.plugins.kyc.helpers import give, notice, setup_brand, utc, withdraw


def _ledger(ctx) -> list[tuple[str, str, str, str]]:
    ctx.session.rollback()
    return [(c, str(p), str(ch), str(a)) for c, p, ch, a in ctx.session.execute(
        select(Customer.customer_ref, ConsentRecord.purpose, ConsentRecord.channel,
               ConsentRecord.action).join(Customer, Customer.id == ConsentRecord.customer_id)
        .where(ConsentRecord.brand_id == ctx.brand_id)
        .order_by(ConsentRecord.at, ConsentRecord.id))]


def _live(ctx, ref: str) -> set[tuple[str, str]]:
    cid = ctx.session.scalar(select(Customer.id).where(Customer.brand_id == ctx.brand_id,
                                                       Customer.customer_ref == ref))
    return {(s.purpose, s.channel) for s in consent_states(ctx, cid) if s.live}


def test_give_then_withdraw_every_channel_is_append_only_and_idempotent(ctx_a, enable,
                                                                      clock):
    setup_brand(ctx_a, enable)
    assert give(ctx_a, "C1", "marketing", "sms", at="2026-02-01T09:00:00") == 1
    assert give(ctx_a, "C1", "marketing", "wechat", at="2026-02-01T09:00:00") == 1
    # The same answer again (same instant) is stored once.
    assert give(ctx_a, "C1", "marketing", "sms", at="2026-02-01T09:00:00") == 0
    assert _live(ctx_a, "C1") == {("marketing", "sms"), ("marketing", "wechat")}
    # Without a channel a withdrawal covers all five channels of the purpose.
    assert withdraw(ctx_a, "C1", "marketing") == 5
    assert _live(ctx_a, "C1") == set()
    ledger = _ledger(ctx_a)
    assert len(ledger) == 2 + 5  # nothing updated or deleted
    assert sum(1 for row in ledger if row[3] == "withdrawn") == 5
    # Consenting again later makes that one channel live again (an answer dated before
    # the withdrawal does not).
    give(ctx_a, "C1", "marketing", "sms", at="2026-03-01T09:00:00")
    assert _live(ctx_a, "C1") == set()
    clock.advance(hours=1)
    give(ctx_a, "C1", "marketing", "wechat")
    assert _live(ctx_a, "C1") == {("marketing", "wechat")}


def test_a_withdrawal_at_the_same_instant_wins(ctx_a, enable):
    setup_brand(ctx_a, enable)
    give(ctx_a, "C1", "care", "phone", at="2026-02-01T09:00:00")
    withdraw(ctx_a, "C1", "care", "phone", at="2026-02-01T09:00:00")
    assert _live(ctx_a, "C1") == set()


def test_every_problem_is_named_and_nothing_is_written(ctx_a, enable):
    setup_brand(ctx_a, enable)
    with pytest.raises(ValidationFailed) as exc:
        give(ctx_a, "NOPE", "marketing", "fax")
    assert set(exc.value.errors) == {"customer_ref", "channel"}
    with pytest.raises(ValidationFailed) as exc:
        give(ctx_a, "C1", "profiling", "sms")  # no profiling notice was ever published
    assert "notice_version" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        give(ctx_a, "C1", "marketing", "sms", notice_version="v9")
    assert "v9" in exc.value.errors["notice_version"][0]
    notice(ctx_a, "marketing", "v2", "2026-06-01")
    with pytest.raises(ValidationFailed) as exc:  # answered before v2 took effect
        give(ctx_a, "C1", "marketing", "sms", notice_version="v2", at="2026-02-01T09:00:00")
    assert "2026-06-01" in exc.value.errors["notice_version"][0]
    with pytest.raises(ValidationFailed) as exc:
        give(ctx_a, "C1", "marketing", "sms", at="2027-01-01T00:00:00")
    assert "at" in exc.value.errors
    assert _ledger(ctx_a) == []


def test_the_notice_version_in_effect_is_recorded(ctx_a, enable):
    setup_brand(ctx_a, enable)
    notice(ctx_a, "marketing", "v2", "2026-02-15")
    give(ctx_a, "C1", "marketing", "sms", at="2026-02-10T09:00:00")
    give(ctx_a, "C1", "marketing", "email", at="2026-02-20T09:00:00")
    versions = {s.channel: s.notice_version for s in consent_states(
        ctx_a, ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1")))}
    assert versions == {"sms": "v1", "email": "v2"}


def test_a_minor_needs_a_guardian_and_the_name_is_encrypted(ctx_a, enable):
    # Born 2014-03-10: 11 on 2026-03-02 (under 14); 12 after 2026-03-10.
    setup_brand(ctx_a, enable, customers=("KID",), birthday="2014-03-10")
    with pytest.raises(ValidationFailed) as exc:
        give(ctx_a, "KID", "care", "wechat")
    assert "14" in exc.value.errors["guardian_name"][0]
    give(ctx_a, "KID", "care", "wechat", guardian_name="张大伟")
    stored = ctx_a.session.execute(text("SELECT guardian_name FROM kyc_consents")).scalar()
    assert stored and "张大伟" not in stored
    assert ctx_a.session.scalar(select(ConsentRecord.guardian_name)) == "张大伟"


def test_a_merged_ref_records_on_the_survivor(ctx_a, enable):
    setup_brand(ctx_a, enable, customers=("C1", "C2"))
    merge_customers(ctx_a, "C1", ["C2"])
    give(ctx_a, "C2", "care", "sms")
    assert [row[0] for row in _ledger(ctx_a)] == ["C1"]


def _birthday_brand(ctx, enable):
    """Three customers whose birthday (3 March) is tomorrow on the test clock."""
    setup_brand(ctx, enable, customers=("YES", "GONE", "NEVER"), birthday="1990-03-03")
    give(ctx, "YES", "care", "wechat", at="2026-02-01T09:00:00")
    give(ctx, "GONE", "care", "wechat", at="2026-02-01T09:00:00")
    withdraw(ctx, "GONE", "care", at="2026-03-01T20:00:00")


def test_a_withdrawal_blocks_the_next_ticks_outreach(ctx_a, enable):
    _birthday_brand(ctx_a, enable)
    run_task_rules(ctx_a)
    birthday = sorted(c for c, _r, _d in tasks(ctx_a, "birthday").values())
    assert birthday == ["YES"]
    refused = {(b.customer_ref, b.purpose, b.kind): b.reason for b in blocked_outreach(ctx_a)}
    assert set(refused) == {("GONE", "care", "birthday"), ("NEVER", "care", "birthday")}
    # the reason names the purpose by its label, in brand A's language (Simplified Chinese)
    assert refused[("GONE", "care", "birthday")] == "任何渠道均无有效的 关怀 同意"
    # A second tick neither creates the tasks nor records the refusals twice.
    run_task_rules(ctx_a)
    assert len(tasks(ctx_a, "birthday")) == 1 and len(blocked_outreach(ctx_a)) == 2


def test_channel_specific_messages_need_that_channel(ctx_a, enable):
    setup_brand(ctx_a, enable)
    give(ctx_a, "C1", "marketing", "wechat")
    cid = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    assert may_contact(ctx_a, cid, purpose="marketing", kind="offer", source_key="m1",
                       channel="wechat")
    assert not may_contact(ctx_a, cid, purpose="marketing", kind="offer", source_key="m2",
                           channel="sms")
    assert not may_contact(ctx_a, cid, purpose="marketing", kind="offer", source_key="m3",
                           channel="call")  # a call needs a phone consent
    withdraw(ctx_a, "C1", "marketing", "wechat")
    assert not may_contact(ctx_a, cid, purpose="marketing", kind="offer", source_key="m4",
                           channel="wechat")
    # Service is not gated by default; the brand may say otherwise.
    assert may_contact(ctx_a, cid, purpose="service", kind="order_question",
                       source_key="s1", channel="sms")
    set_settings(ctx_a, {"kyc.contact_purposes": ["marketing", "care", "service"]})
    assert not may_contact(ctx_a, cid, purpose="service", kind="order_question",
                           source_key="s2", channel="sms")


def test_brands_without_the_module_are_not_gated(ctx_a, ctx_b, enable, run_cli):
    _birthday_brand(ctx_a, enable)
    from core.services.customers import create_customer
    create_customer(ctx_b, {"customer_ref": "B1", "name": "林", "birthday": "1990-03-03"})
    run_task_rules(ctx_b)
    assert [c for c, _r, _d in tasks(ctx_b, "birthday").values()] == ["B1"]
    r = run_cli("consent", "give", "--brand", "B", "--customer", "B1", "--purpose", "care",
                "--channel", "sms")
    assert r.exit_code == 1 and "kyc" in r.output


def test_reconsent_lists_answers_to_a_replaced_material_version(ctx_a, enable, clock):
    setup_brand(ctx_a, enable, customers=("C1", "C2", "C3"))
    for ref in ("C1", "C2", "C3"):
        give(ctx_a, ref, "marketing", "sms", at="2026-02-01T09:00:00")
    withdraw(ctx_a, "C3", "marketing", at="2026-02-02T09:00:00")
    notice(ctx_a, "marketing", "v2", "2026-03-01")
    due = [(d.customer_ref, d.answered_version, d.current_version)
           for d in reconsent_due(ctx_a)]
    assert due == [("C1", "v1", "v2"), ("C2", "v1", "v2")]
    give(ctx_a, "C2", "marketing", "sms")  # answers v2, in effect today
    assert [d.customer_ref for d in reconsent_due(ctx_a)] == ["C1"]
    # A minor change asks nobody again; a future material one not yet.
    notice(ctx_a, "marketing", "v2.1", "2026-03-02", material=False)
    notice(ctx_a, "marketing", "v3", "2026-04-01")
    assert [d.customer_ref for d in reconsent_due(ctx_a)] == ["C1"]
    clock.value = utc(2026, 4, 2, 2)
    assert [d.customer_ref for d in reconsent_due(ctx_a)] == ["C1", "C2"]


def test_cli_give_status_withdraw(ctx_a, enable, run_cli, tmp_path):
    setup_brand(ctx_a, enable)
    r = run_cli("consent", "give", "--brand", "A", "--customer", "C1", "--purpose", "care",
                "--channel", "wechat", "--at", "2026-02-01T09:00:00")
    assert r.exit_code == 0, r.output
    r = run_cli("consent", "status", "--brand", "A", "--customer", "C1", "--format", "json")
    rows = json.loads(r.output)
    assert [(x["purpose"], x["channel"], x["state"], x["notice_version"]) for x in rows] == \
        [("care", "wechat", "given", "v1")]
    r = run_cli("consent", "withdraw", "--brand", "A", "--customer", "C1", "--purpose",
                "care", "--channel", "wechat")
    assert r.exit_code == 0, r.output
    r = run_cli("consent", "status", "--brand", "A", "--customer", "C1", "--format", "json")
    assert json.loads(r.output)[0]["state"] == "withdrawn"
    r = run_cli("consent", "give", "--brand", "A", "--customer", "C1", "--purpose", "care",
                "--channel", "pigeon")
    assert r.exit_code == 1 and "channel" in r.output
    text_file = tmp_path / "notice.txt"
    text_file.write_text("我们如何使用您的信息……", encoding="utf-8")
    r = run_cli("consent", "notice", "add", "--brand", "A", "--purpose", "profiling",
                "--version", "2026-11", "--locale", "zh_Hans_CN", "--file", str(text_file),
                "--effective", "2026-03-01")
    assert r.exit_code == 0, r.output
    r = run_cli("consent", "notice", "add", "--brand", "A", "--purpose", "profiling",
                "--version", "2026-11", "--locale", "zh_Hans_CN", "--file", str(text_file),
                "--effective", "2026-03-01")
    assert r.exit_code == 1 and "2026-11" in r.output


def test_import_consents_all_or_nothing_named_by_line_and_idempotent(ctx_a, enable, run_cli,
                                                                     tmp_path):
    setup_brand(ctx_a, enable, customers=("C1", "C2"))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer_ref,purpose,channel,notice_version,given_at,withdrawn_at\n"
        "C1,marketing,sms,v1,2026-02-01T09:00:00,\n"
        "C2,spam,sms,v1,2026-02-01T09:00:00,\n"
        "C2,care,wechat,v1,2026-02-05T09:00:00,2026-02-01T09:00:00\n"
        "C9,care,sms,v1,2026-02-01T09:00:00,\n"
        "C1,care,sms,v1,,\n", encoding="utf-8")
    r = run_cli("import", "consents", str(bad), "--brand", "A")
    assert r.exit_code == 1
    for line, column in ((3, "purpose"), (4, "withdrawn_at"), (5, "customer_ref"),
                         (6, "given_at")):
        assert f"line {line}: {column}" in r.output, (line, column, r.output)
    assert "line 2" not in r.output
    assert _ledger(ctx_a) == []
    good = tmp_path / "good.csv"
    good.write_text(
        "customer_ref,purpose,channel,notice_version,given_at,withdrawn_at\n"
        "C1,marketing,sms,v1,2026-02-01T09:00:00,\n"
        "C2,care,wechat,v1,2026-02-01T09:00:00,2026-02-05T09:00:00\n", encoding="utf-8")
    r = run_cli("import", "consents", str(good), "--brand", "A", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"rows": 2, "written": 3}
    r = run_cli("import", "consents", str(good), "--brand", "A", "--json")
    assert json.loads(r.output) == {"rows": 2, "written": 0}
    assert _live(ctx_a, "C1") == {("marketing", "sms")} and _live(ctx_a, "C2") == set()
    assert ctx_a.session.scalar(select(func.count()).select_from(ConsentRecord)) == 3


def test_disabling_the_module_stops_the_gate_and_keeps_the_ledger(ctx_a, enable, run_cli):
    from core.services.modules import disable_modules

    _birthday_brand(ctx_a, enable)
    disable_modules(ctx_a, ["kyc"])
    ctx_a.refresh_modules()
    run_task_rules(ctx_a)  # no gate now: every birthday task is created
    assert sorted(c for c, _r, _d in tasks(ctx_a, "birthday").values()) == [
        "GONE", "NEVER", "YES"]
    assert len(_ledger(ctx_a)) == 2 + 5  # kept
    r = run_cli("consent", "status", "--brand", "A", "--customer", "YES")
    assert r.exit_code == 1 and "kyc" in r.output
    enable(ctx_a, "kyc")  # enabled again: the kept answers count at once
    assert _live(ctx_a, "YES") == {("care", "wechat")}
