"""The complaints screens and REST API: the queue with countdowns, the ticket page and its
actions, the 360° section, 404 for a brand without the module, reps limited to tickets
about their own customers, field errors that write nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.models import Customer
from core.services.modules import enable_modules
from plugins.complaints import services
from plugins.complaints.models import Ticket
from tests.plugins.complaints.helpers import at
from tests.web.conftest import app, login, seeded, token  # noqa: F401  (fixtures)


def _enable(ctx, clock):
    enable_modules(ctx, ["complaints"])
    ctx.refresh_modules()
    services.set_policy(ctx, "normal", {"first_response": "8h", "resolution": "40h",
                                        "clock": "business"})
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)


def _open(ctx, customer="C1", **extra):
    return services.open_ticket(ctx, {"customer_ref": customer, "channel": "phone",
                                      "category": "product_quality", "summary": "面霜起疹",
                                      **extra})


def test_api_open_act_show_and_scoping(app, token, ctx_a, clock):  # noqa: F811
    _enable(ctx_a, clock)
    client, boss = app.test_client(), token("boss_a")
    r = client.post("/api/v1/complaints/tickets", headers=boss,
                    json={"customer_ref": "C1", "channel": "wechat", "category": "delivery",
                          "summary": "包裹破损"})
    assert r.status_code == 201, r.json
    ref = r.json["result"]["ref"]
    # Mon 2 Mar 09:00 + 8 working hours = 17:00 (+08:00)
    assert r.json["result"]["first_response_due"] == "2026-03-02T17:00:00+08:00"
    bad = client.post("/api/v1/complaints/tickets", headers=boss,
                      json={"customer_ref": "C1", "channel": "fax", "category": "delivery"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"channel", "summary"}
    r = client.post(f"/api/v1/complaints/tickets/{ref}/respond", headers=boss,
                    json={"note": "已安排补发"})
    assert r.status_code == 200 and r.json["result"]["status"] == "responded"
    r = client.post(f"/api/v1/complaints/tickets/{ref}/close", headers=boss, json={})
    assert r.status_code == 409
    shown = client.get(f"/api/v1/complaints/tickets/{ref}", headers=boss).json["result"]
    assert [e["kind"] for e in shown["timeline"]][:2] == ["opened", "reply"]
    _open(ctx_a, "C3")  # C3 is R2's
    rep1 = token("rep1")
    assert [t["ref"] for t in client.get("/api/v1/complaints/tickets",
                                         headers=rep1).json["result"]] == [ref]
    other = ctx_a.session.scalar(select(Ticket.ref).where(Ticket.ref != ref))
    assert client.get(f"/api/v1/complaints/tickets/{other}", headers=rep1).status_code == 404
    # reps read, they do not write
    assert client.post(f"/api/v1/complaints/tickets/{ref}/note", headers=rep1,
                       json={"note": "x"}).status_code in (401, 403)
    spec = client.get("/api/v1/_openapi", headers=boss).json
    assert "/api/v1/complaints/tickets" in spec["paths"]


def test_a_brand_without_the_module_gets_404(app, login, token, ctx_a, ctx_b,  # noqa: F811
                                             clock):
    from core.web.context import SESSION_BRAND

    _enable(ctx_a, clock)
    client = login("admin")
    assert client.get("/complaints/queue/").status_code == 200
    with client.session_transaction() as sess:
        sess[SESSION_BRAND] = ctx_b.brand_id
    assert client.get("/complaints/queue/").status_code == 404
    assert app.test_client().get("/api/v1/complaints/tickets",
                                 headers=token("boss_b")).status_code == 404


def test_queue_ticket_page_actions_and_customer_section(app, login, seeded, ctx_a,  # noqa: F811
                                                        clock):
    _enable(ctx_a, clock)
    late = _open(ctx_a, opened_at="2026-03-02T09:00:00+08:00")
    clock.value = at("2026-03-02T16:00").astimezone(dt.UTC)
    fresh = _open(ctx_a, "C3", severity="low")
    clock.value = at("2026-03-02T18:30").astimezone(dt.UTC)
    boss = login("boss_a")
    page = boss.get("/complaints/queue/").get_data(as_text=True)
    # late: due Mon 17:00, now 18:30 -> overdue by 1h 30min; fresh (low, calendar clock
    # 24 h): due Tue 16:00 -> due in 21h 30min
    assert "overdue by 1h 30min" in page and "due in 21h 30min" in page
    assert page.index(late.ref) < page.index(fresh.ref)
    r = boss.post(f"/complaints/ticket/{late.ref}/act",
                  data={"action": "respond", "note": "抱歉，马上处理"})
    assert r.status_code == 302
    r = boss.post(f"/complaints/ticket/{late.ref}/act", data={"action": "resolve"})
    page = boss.get(f"/complaints/ticket/{late.ref}").get_data(as_text=True)
    assert "resolution: " in page  # the flash names the missing field
    assert "抱歉，马上处理" in page and "Responded" in page
    show = boss.get(f"/customers/show/{seeded.customers['C1']}").get_data(as_text=True)
    assert 'id="section-complaints"' in show and late.ref in show
    r = boss.post("/complaints/new/", data={"channel": "phone", "category": "billing",
                                            "severity": "normal", "summary": ""})
    assert r.status_code == 422
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(func.count()).select_from(Ticket)) == 2
    r = boss.post("/complaints/new/", data={"channel": "phone", "category": "billing",
                                            "severity": "normal", "summary": "重复扣款",
                                            "caller_name": "林小姐"})
    assert r.status_code == 302 and "/complaints/ticket/CPL-000003" in r.location
    assert login("rep1").get(f"/complaints/ticket/{fresh.ref}").status_code == 404  # C3 is R2's


def test_survey_results_screen(app, login, ctx_a, clock):  # noqa: F811
    from plugins.complaints import surveys
    from plugins.complaints.models import Survey

    _enable(ctx_a, clock)
    clock.value = at("2026-03-10T10:00").astimezone(dt.UTC)
    # NPS 10 (C1, R1) and 5 (C3, R2): promoters 50 % - detractors 50 % = 0.00;
    # R1 100.00, R2 -100.00
    for n, (cust, rep, score) in enumerate((("C1", 1, 10), ("C3", 2, 5))):
        cid = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == cust))
        surveys._rows(ctx_a, "nps", [{"source_key": f"nps:web:{n}", "customer_id": cid,
                                      "rep_id": rep}])
        s = ctx_a.session.scalar(select(Survey).where(Survey.source_key == f"nps:web:{n}"))
        surveys.answer(ctx_a, surveys.token(s), str(score), None)
    page = login("boss_a").get("/complaints/surveys/?period=2026-03").get_data(as_text=True)
    assert "0.00" in page and "100.00" in page and "-100.00" in page
    assert "No answers this month." in page  # CSAT and CES
    rep = login("rep1").get("/complaints/surveys/?period=2026-03").get_data(as_text=True)
    assert "100.00" in rep and "-100.00" not in rep  # R2's line is not shown to R1
    assert login("boss_a").get("/complaints/surveys/?period=bad").status_code == 200


def test_policies_on_the_settings_screen(app, login, ctx_a, clock, make_ctx):  # noqa: F811
    from plugins.complaints.services import policy

    _enable(ctx_a, clock)
    boss = login("boss_a")
    page = boss.get("/settings/list/").get_data(as_text=True)
    assert "Weekly working hours" in page and "First-response target" in page
    r = boss.post("/settings/save/complaints", data={"complaints.high_first_response": "soon"})
    assert r.status_code == 422 and "Write a duration in hours or days" in r.get_data(
        as_text=True)
    r = boss.post("/settings/save/complaints", data={"complaints.high_first_response": "2h"})
    assert r.status_code == 302
    assert policy(make_ctx("A"), "high").first_response == 2 * 3600


def test_service_figures_on_the_dashboard(app, login, ctx_a, clock):  # noqa: F811
    _enable(ctx_a, clock)                       # Mon 2 Mar 09:00, normal: 8 working hours
    first = _open(ctx_a)
    _open(ctx_a, "C2")                          # never answered: due at 17:00
    clock.value = at("2026-03-02T10:00").astimezone(dt.UTC)
    services.act(ctx_a, first.ref, "respond")   # answered at 10:00, in time
    clock.value = at("2026-03-02T18:00").astimezone(dt.UTC)
    page = login("boss_a").get("/dashboard/").get_data(as_text=True)
    section = page[page.index('id="section-complaints"'):]
    # Two open tickets, one overdue; of the month's answered tickets, one of one in time.
    assert "Open tickets</span><strong>2<" in section
    assert "Overdue</span><strong>1<" in section
    assert "First responses in time this month</span><strong>1 / 1<" in section
    assert 'id="section-complaints"' not in login("rep1").get("/dashboard/").get_data(
        as_text=True)


def test_my_teams_queue(app, login, ctx_a, clock):  # noqa: F811
    from core.web.users import create_user
    from tests.web.conftest import PASSWORD

    _enable(ctx_a, clock)
    create_user(app, "cs2", PASSWORD, "customer_service", brand_code="A", locale="en")
    create_user(app, "cs_b", PASSWORD, "customer_service", brand_code="B", locale="en")
    refs = {who: _open(ctx_a, assignee=who).ref for who in ("cs2", "boss_a", "cs_b")}
    unassigned = _open(ctx_a).ref
    page = login("cs_a").get("/complaints/queue/?scope=team").get_data(as_text=True)
    # cs_a's team: the brand's customer service (cs2, and cs_a); not the brand admin, not
    # brand B's customer service, not a ticket nobody holds.
    assert refs["cs2"] in page
    assert all(ref not in page for ref in (refs["boss_a"], refs["cs_b"], unassigned))
    everything = login("cs_a").get("/complaints/queue/?scope=all").get_data(as_text=True)
    assert all(ref in everything for ref in (*refs.values(), unassigned))
