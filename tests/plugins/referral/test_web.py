"""The referral screens and REST API: the 360° section, the review queue, the endpoints,
404 for a brand without the module, and reps limited to their own customers."""

from __future__ import annotations

from sqlalchemy import select

from core.services.modules import enable_modules
from plugins.referral import services
from plugins.referral.models import Referral
from tests.web.conftest import app, login, seeded, token  # noqa: F401  (fixtures)


def _enable(ctx):
    """The module on, and two new customers of R1 who have not bought (N1, N2)."""
    from core.services.customers import create_customer

    enable_modules(ctx, ["referral"])
    ctx.refresh_modules()
    for ref, name in (("N1", "周一"), ("N2", "吴二")):
        create_customer(ctx, {"customer_ref": ref, "name": name, "rep_ref": "R1"})


def test_api_code_referrals_review_and_scoping(app, token, ctx_a, ctx_b):  # noqa: F811
    _enable(ctx_a)
    client, boss = app.test_client(), token("boss_a")
    code = client.get("/api/v1/referral/customers/C1/code", headers=boss).json["result"]
    assert len(code["code"]) == 6
    r = client.post("/api/v1/referral/referrals", headers=boss,
                    json={"code": code["code"], "referred_ref": "C2"})
    assert r.status_code == 201 and r.json["result"]["written"] == 1
    bad = client.post("/api/v1/referral/referrals", headers=boss,
                      json={"referrer_ref": "C3", "referred_ref": "C3"})
    assert bad.status_code == 422 and "referred_ref" in bad.json["errors"]
    client.post("/api/v1/referral/referrals", headers=boss,
                json={"referrer_ref": "N1", "referred_ref": "N2"})
    circular = client.post("/api/v1/referral/referrals", headers=boss,
                           json={"referrer_ref": "N2", "referred_ref": "N1"})
    assert circular.status_code == 201
    held = client.get("/api/v1/referral/referrals?status=held", headers=boss).json["result"]
    assert [(h["referrer_ref"], h["referred_ref"], h["hold_reason"]) for h in held] == [
        ("N2", "N1", "circular")]
    no_reason = client.post(f"/api/v1/referral/referrals/{held[0]['id']}/review",
                            headers=boss, json={"decision": "reject"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    done = client.post(f"/api/v1/referral/referrals/{held[0]['id']}/review", headers=boss,
                       json={"decision": "reject", "reason": "夫妻互相推荐"})
    assert done.status_code == 200 and done.json["result"]["status"] == "rejected"
    # A rep reaches only their own customers (C1, C2 are R1's; C3 is R2's).
    rep1 = token("rep1")
    assert client.get("/api/v1/referral/customers/C3/code", headers=rep1).status_code == 404
    assert client.get("/api/v1/referral/customers/C1/code", headers=rep1).status_code == 200
    assert client.get("/api/v1/referral/referrals", headers=token("rep2")).json[
        "result"] == []
    spec = client.get("/api/v1/_openapi", headers=boss).json
    assert "/api/v1/referral/referrals" in spec["paths"]


def test_a_brand_without_the_module_gets_404(app, login, ctx_a, ctx_b):  # noqa: F811
    from core.web.context import SESSION_BRAND

    _enable(ctx_a)
    client = login("admin")
    assert client.get("/referral/list/").status_code == 200
    with client.session_transaction() as sess:
        sess[SESSION_BRAND] = ctx_b.brand_id
    assert client.get("/referral/list/").status_code == 404
    assert client.get("/api/v1/referral/referrals").status_code == 404


def test_review_queue_and_the_customer_section(app, login, seeded, ctx_a):  # noqa: F811
    _enable(ctx_a)
    code = services.code_for(ctx_a, "C1")
    services.record_referrals(ctx_a, [{"referrer_ref": "C1", "referred_ref": "C2"}], "cli")
    services.record_referrals(ctx_a, [{"referrer_ref": "N1", "referred_ref": "N2"}], "cli")
    services.record_referrals(ctx_a, [{"referrer_ref": "N2", "referred_ref": "N1"}], "cli")
    boss = login("boss_a")
    queue = boss.get("/referral/list/").get_data(as_text=True)
    assert "circular referral" in queue and "Approve" in queue
    rid = ctx_a.session.scalar(select(Referral.id).where(Referral.status == "held"))
    assert boss.post(f"/referral/review/{rid}", data={"decision": "approve"}).status_code == 302
    ctx_a.session.rollback()
    assert str(ctx_a.session.get(Referral, rid).status) == "pending"
    show = boss.get(f"/customers/show/{seeded.customers['C1']}").get_data(as_text=True)
    assert 'id="section-referral"' in show and code in show and f"/r/A/{code}" in show
    assert login("rep1").post(f"/referral/review/{rid}", data={
        "decision": "approve"}).status_code in (302, 403)


def test_figures_on_the_dashboard_and_in_the_api(app, login, token, ctx_a):  # noqa: F811
    _enable(ctx_a)
    services.record_referrals(ctx_a, [{"referrer_ref": "C1", "referred_ref": "N1"},
                                      {"referrer_ref": "C3", "referred_ref": "N2"}], "cli")
    client = app.test_client()
    stats = client.get("/api/v1/referral/stats?period=2026-03", headers=token("boss_a"))
    assert stats.status_code == 200, stats.json
    result = stats.json["result"]
    assert result["funnel"]["referrals"] == 2 and result["funnel"]["qualified"] == 0
    assert [t["customer_ref"] for t in result["top_referrers"]] == ["C1", "C3"]
    # A rep sees only their own customers among the referrers (C1 is R1's, C3 is R2's).
    mine = client.get("/api/v1/referral/stats?period=2026-03", headers=token("rep1"))
    assert [t["customer_ref"] for t in mine.json["result"]["top_referrers"]] == ["C1"]
    bad = client.get("/api/v1/referral/stats?period=2026-3x", headers=token("boss_a"))
    assert bad.status_code == 422 and "period" in bad.json["errors"]
    # The back office sees the month's figures on the dashboard; a rep's dashboard is theirs.
    page = login("boss_a").get("/dashboard/").get_data(as_text=True)
    assert 'id="section-referral"' in page and "Referrals this month" in page
    assert "Referrals recorded <strong>2</strong>" in page
    assert 'id="section-referral"' not in login("rep1").get("/dashboard/").get_data(
        as_text=True)
