"""Surveys: CSAT on resolution, the NPS monthly sample, CES after contacts, the contact
gate, one-time expiring answers, figures on a hand-made set, the churn-risk flag."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.api import ContactRequest, ValidationFailed, hookimpl
from core.models import OutreachRefusal
from core.services.activities import create_interaction
from core.services.churn_risk import assess
from core.services.modules import enable_modules
from core.services.settings import set_settings
from plugins.complaints import services, surveys
from plugins.complaints.models import Survey
from tests.plugins.complaints.helpers import at
from tests.web.seed import seed_brand

UTC = dt.UTC


class RefuseService:
    """A test module: refuses service contacts to one customer."""

    def __init__(self) -> None:
        self.customer_id: int | None = None

    @hookimpl
    def crm_can_contact(self, ctx, request: ContactRequest):  # noqa: ANN001, ANN201
        if request.purpose == "service" and self.customer_id in request.customer_ids:
            return {self.customer_id: "no service consent"}
        return None


@pytest.fixture()
def gate(rt) -> Iterator[RefuseService]:  # noqa: ANN001
    g = RefuseService()
    rt.registry.pm.register(g, name="test-refuse-service")
    yield g
    rt.registry.pm.unregister(g)


@pytest.fixture()
def brand(ctx_a):
    seeded = seed_brand(ctx_a)  # C1, C2 (R1), C3, C4 (R2); C1 and C3 bought (paid)
    enable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    return seeded


def _resolve(ctx, customer, category="delivery"):
    t = services.open_ticket(ctx, {"customer_ref": customer, "channel": "phone",
                                   "category": category, "summary": "x"})
    services.act(ctx, t.ref, "respond", {})
    return services.act(ctx, t.ref, "resolve", {"resolution": "apology"})


def _surveys(ctx, kind=None):
    stmt = select(Survey).order_by(Survey.id)
    if kind:
        stmt = stmt.where(Survey.kind == kind)
    return ctx.session.scalars(stmt).all()


def test_csat_on_resolution_once_and_only_where_the_gate_allows(brand, ctx_a, gate):
    t = _resolve(ctx_a, "C1")
    services.act(ctx_a, t.ref, "reopen", {})
    services.act(ctx_a, t.ref, "resolve", {"resolution": "refund"})  # resolved again: once
    gate.customer_id = brand.customers["C3"]
    _resolve(ctx_a, "C3")
    sent = _surveys(ctx_a)
    assert [(s.kind, s.customer_id, s.category, s.ticket_id) for s in sent] == [
        ("csat", brand.customers["C1"], "delivery", t.id)]
    assert sent[0].expires_at - sent[0].sent_at == dt.timedelta(days=14)
    refused = ctx_a.session.scalars(select(OutreachRefusal.source_key)).all()
    assert refused == [f"survey:csat:{t.id + 1}"]


def test_nps_sample_and_ces_after_contacts(brand, ctx_a, run_cli, clock):
    set_settings(ctx_a, {"complaints.nps_sample_size": 1})
    ctx_a.session.commit()
    r = run_cli("surveys", "send", "--brand", "A", "--kind", "nps", "--now",
                "2026-03-02T10:00:00+08:00")
    assert r.exit_code == 0 and r.output.startswith("1 "), r.output
    # the month's sample is full: nothing more; C4's order is pending, C2 never bought
    assert run_cli("surveys", "send", "--brand", "A", "--kind", "nps", "--now",
                   "2026-03-20T10:00:00+08:00").output.startswith("0 ")
    ctx_a.session.rollback()
    nps = _surveys(ctx_a, "nps")
    assert len(nps) == 1 and nps[0].customer_id in (brand.customers["C1"],
                                                      brand.customers["C3"])
    create_interaction(ctx_a, {"customer_ref": "C2", "kind": "call", "summary": "回访",
                               "occurred_at": "2026-03-02T09:00:00+08:00"})
    assert surveys.send(ctx_a, "ces") == 1
    assert surveys.send(ctx_a, "ces") == 0
    rows = json.loads(run_cli("surveys", "list", "--brand", "A", "--format", "json").output)
    assert [r["kind"] for r in rows] == ["ces", "nps"]
    assert rows[0]["link"].startswith("http://127.0.0.1:5000/survey/A/")


def _made(ctx, kind, customer_id, n):
    surveys._rows(ctx, kind, [{"source_key": f"{kind}:test:{n}", "customer_id": customer_id,
                               "rep_id": None}])
    return ctx.session.scalar(select(Survey).where(Survey.source_key == f"{kind}:test:{n}"))


def test_answers_are_one_time_in_range_and_expire(brand, ctx_a, clock):
    s = _made(ctx_a, "nps", brand.customers["C1"], 1)
    tok = surveys.token(s)
    with pytest.raises(ValidationFailed) as e:
        surveys.answer(ctx_a, tok, "11", None)
    assert "score" in e.value.errors
    surveys.answer(ctx_a, tok, "0", "太贵")
    with pytest.raises(ValidationFailed):
        surveys.answer(ctx_a, tok, "9", None)
    late = _made(ctx_a, "csat", brand.customers["C1"], 2)
    clock.advance(days=14, seconds=1)
    with pytest.raises(ValidationFailed):
        surveys.answer(ctx_a, surveys.token(late), "5", None)
    assert ctx_a.session.get(Survey, late.id).answered_at is None


def test_figures_on_a_hand_made_set_of_answers(brand, ctx_a, clock, run_cli):
    c = brand.customers
    clock.value = at("2026-03-10T10:00").astimezone(UTC)
    answers = [  # kind, customer (rep), score, category
        ("csat", "C1", 5, "delivery"), ("csat", "C2", 2, "product_quality"),
        ("csat", "C3", 4, "delivery"),
        ("nps", "C1", 10, None), ("nps", "C2", 9, None), ("nps", "C3", 9, None),
        ("nps", "C4", 7, None), ("nps", "C1", 3, None),
        ("ces", "C1", 7, None), ("ces", "C2", 5, None), ("ces", "C3", 6, None)]
    for n, (kind, cust, score, category) in enumerate(answers):
        rep = brand.reps["R1" if cust in ("C1", "C2") else "R2"]
        surveys._rows(ctx_a, kind, [{"source_key": f"{kind}:fig:{n}", "customer_id": c[cust],
                                     "rep_id": rep, "category": category}])
        s = ctx_a.session.scalar(select(Survey).where(Survey.source_key == f"{kind}:fig:{n}"))
        surveys.answer(ctx_a, surveys.token(s), str(score), None)
    got = {(f.kind, f.group, f.key): (f.responses, f.value)
           for f in surveys.stats(ctx_a, "2026-03")}
    assert got == {
        # CSAT: (5 + 2 + 4) / 3 = 3.67; R1 (5 + 2) / 2 = 3.50; R2 4; delivery (5 + 4) / 2
        ("csat", "all", ""): (3, Decimal("3.67")), ("csat", "rep", "R1"): (2, Decimal("3.50")),
        ("csat", "rep", "R2"): (1, Decimal("4.00")),
        ("csat", "category", "delivery"): (2, Decimal("4.50")),
        ("csat", "category", "product_quality"): (1, Decimal("2.00")),
        # NPS 10, 9, 9, 7, 3: promoters 3/5 = 60 %, detractors 1/5 = 20 % -> 40;
        # R1 10, 9, 3: 2/3 - 1/3 = 33.33; R2 9, 7: 1/2 - 0 = 50
        ("nps", "all", ""): (5, Decimal("40.00")), ("nps", "rep", "R1"): (3, Decimal("33.33")),
        ("nps", "rep", "R2"): (2, Decimal("50.00")),
        # CES (7 + 5 + 6) / 3 = 6; R1 (7 + 5) / 2 = 6; R2 6
        ("ces", "all", ""): (3, Decimal("6.00")), ("ces", "rep", "R1"): (2, Decimal("6.00")),
        ("ces", "rep", "R2"): (1, Decimal("6.00"))}
    r = run_cli("surveys", "stats", "--brand", "A", "--period", "2026-03", "--format", "json")
    assert json.loads(r.output)[0] == {"kind": "csat", "group": "all", "key": "",
                                       "responses": 3, "value": "3.67"}
    assert run_cli("surveys", "stats", "--brand", "A", "--period", "March").exit_code == 1


def test_satisfaction_down_raises_the_churn_flag(brand, ctx_a, clock):
    c = brand.customers
    # Periods of 90 days as of 2 Mar 2026: current from 3 Dec 2025, previous the 90 before.
    # C1: CSAT 5 before (100 on the 0-100 scale), 3 now (50): down 50 % > 20 % -> flag.
    # C3: CSAT 4 (75) both times: no flag.
    for n, (cust, when, score) in enumerate((("C1", "2025-11-01T10:00", 5),
                                             ("C3", "2025-11-01T10:00", 4),
                                             ("C1", "2026-02-01T10:00", 3),
                                             ("C3", "2026-02-01T10:00", 4))):
        clock.value = at(when).astimezone(UTC)
        s = _made(ctx_a, "csat", c[cust], n)
        surveys.answer(ctx_a, surveys.token(s), str(score), None)
    clock.value = at("2026-03-02T10:00").astimezone(UTC)
    flags = {r.customer_ref: [f.message for f in r.flags if f.rule == "satisfaction_down"]
             for r in assess(ctx_a)}
    assert flags["C1"] == ["Satisfaction fell from 100.00 to 50.00 (more than 20%)."]
    assert flags["C3"] == []


def _q(key, type_="likert5", **extra):
    return {"key": key, "type": type_,
            "text": {"en": f"{key}?", "zh_Hans_CN": f"{key}？", "zh_Hant_TW": f"{key}？"},
            **extra}


def test_templates_hold_up_to_15_questions_in_three_languages(brand, ctx_a, run_cli,
                                                              tmp_path):
    too_many = [_q(f"q{i}") for i in range(15)]  # + the score question = 16
    with pytest.raises(ValidationFailed) as e:
        surveys.set_template(ctx_a, "csat", too_many)
    assert list(e.value.errors) == ["questions"]
    assert len(surveys.set_template(ctx_a, "csat", too_many[:14])) == 14  # 15 in all
    bad = [_q("speed"), _q("speed"), {**_q("x"), "text": {"en": "x?"}},
           _q("via", "choice", choices=[{"value": "a", "text": _q("a")["text"]}]),
           _q("y", "slider")]
    with pytest.raises(ValidationFailed) as e:
        surveys.set_template(ctx_a, "csat", bad)
    assert set(e.value.errors) == {"questions.1.key", "questions.2.text",
                                   "questions.3.choices", "questions.4.type"}
    good = [_q("speed", required=True),
            _q("via", "choice", choices=[{"value": "phone", "text": _q("phone")["text"]},
                                         {"value": "wechat", "text": _q("wechat")["text"]}]),
            _q("why", "text")]
    path = tmp_path / "q.json"
    path.write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    r = run_cli("surveys", "template", "set", "--brand", "A", "--kind", "csat", "--file",
                str(path))
    assert r.exit_code == 0 and r.output.startswith("3 "), r.output
    t = _resolve(ctx_a, "C1")
    s = ctx_a.session.scalar(select(Survey).where(Survey.ticket_id == t.id))
    assert [q["key"] for q in surveys.questions_of(s)] == ["speed", "via", "why"]
    surveys.set_template(ctx_a, "csat", [])  # later changes leave sent surveys alone
    tok = surveys.token(s)
    with pytest.raises(ValidationFailed) as e:
        surveys.answer(ctx_a, tok, "4", None, {"via": "fax", "why": "x" * 2001})
    assert set(e.value.errors) == {"speed", "via", "why"}
    surveys.answer(ctx_a, tok, "4", None, {"speed": "5", "via": "wechat", "why": "快"})
    s = ctx_a.session.get(Survey, s.id)
    assert json.loads(s.answers) == {"speed": 5, "via": "wechat", "why": "快"}
