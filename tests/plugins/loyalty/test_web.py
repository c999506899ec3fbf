"""The loyalty screens and REST API: balance, ledger, redemption, adjustment, scoping."""

from __future__ import annotations

from sqlalchemy import select

from core.services.modules import enable_modules
from plugins.loyalty import services
from plugins.loyalty.models import LoyaltyEntry
from tests.web.conftest import app, login, seeded, token  # noqa: F401  (fixtures)


def seeded_id(ctx, ref):
    from core.models import Customer
    from core.services.scoping import get_by_ref

    return get_by_ref(ctx, Customer, ref).id


def _enable(ctx_a):
    enable_modules(ctx_a, ["loyalty"])
    services.adjust(ctx_a, {"customer_ref": "C1", "points": 500, "reason": "opening balance"})


def test_api_balance_ledger_and_redemption(app, token, ctx_a):  # noqa: F811
    _enable(ctx_a)
    client, headers = app.test_client(), token("admin")
    r = client.get("/api/v1/loyalty/customers/C1/balance", headers=headers)
    assert r.status_code == 200, r.json
    assert (r.json["result"]["balance"], r.json["result"]["tier"]) == (500, "member")
    body = {"points": 200, "redemption_ref": "API-1"}
    first = client.post("/api/v1/loyalty/customers/C1/redemptions", headers=headers, json=body)
    again = client.post("/api/v1/loyalty/customers/C1/redemptions", headers=headers, json=body)
    assert first.status_code == again.status_code == 201, first.json
    assert first.json["result"]["id"] == again.json["result"]["id"]
    assert first.json["result"]["points"] == -200
    over = client.post("/api/v1/loyalty/customers/C1/redemptions", headers=headers,
                       json={"points": 301, "redemption_ref": "API-2"})
    # 500 − 200 = 300 left: 301 is refused and nothing is written
    assert over.status_code == 400 and over.json["error"] == "insufficient_points"
    bad = client.post("/api/v1/loyalty/customers/C1/redemptions", headers=headers,
                      json={"points": "many"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"points", "redemption_ref"}
    ledger = client.get("/api/v1/loyalty/customers/C1/ledger", headers=headers).json["result"]
    assert [(e["kind"], e["points"]) for e in ledger] == [("redeem", -200), ("adjust", 500)]
    assert client.get("/api/v1/loyalty/customers/NOPE/balance",
                      headers=headers).status_code == 404
    spec = client.get("/api/v1/_openapi", headers=headers)
    assert spec.status_code == 200
    assert "/api/v1/loyalty/customers/{ref}/redemptions" in spec.json["paths"]


def test_api_and_screens_are_404_for_a_brand_without_the_module(app, token, login,  # noqa: F811
                                                                 ctx_a, ctx_b):
    from core.web.context import SESSION_BRAND

    _enable(ctx_a)
    client = login("admin")
    assert client.get("/loyalty/list/").status_code == 200  # acting for brand A
    with client.session_transaction() as sess:
        sess[SESSION_BRAND] = ctx_b.brand_id  # the brand switch: now acting for B
    assert client.get("/loyalty/list/").status_code == 404
    assert client.get("/api/v1/loyalty/customers/C1/balance").status_code == 404
    # B's manager: refused (403 while the role table grants no module rights, else 404)
    assert app.test_client().get("/api/v1/loyalty/customers/C1/balance",
                                 headers=token("boss_b")).status_code in (403, 404)


def test_screens_programme_ledger_and_adjustment(app, login, ctx_a):  # noqa: F811
    _enable(ctx_a)
    client = login("admin")
    page = client.get("/loyalty/list/")
    assert page.status_code == 200
    assert "普通会员" in page.get_data(as_text=True)
    ledger = client.get("/loyalty/customer/C1").get_data(as_text=True)
    assert "opening balance" in ledger and "500" in ledger
    bad = client.post("/loyalty/customer/C1/adjust", data={"points": "", "reason": ""})
    assert bad.status_code == 422
    ok = client.post("/loyalty/customer/C1/adjust", data={"points": "-50",
                                                         "reason": "<b>wrong</b> order"})
    assert ok.status_code == 302
    entry = ctx_a.session.scalars(select(LoyaltyEntry).order_by(LoyaltyEntry.id.desc())).first()
    assert (entry.points, entry.created_by, entry.reason) == (-50, "admin", "<b>wrong</b> order")
    shown = client.get("/loyalty/customer/C1").get_data(as_text=True)
    assert "&lt;b&gt;wrong&lt;/b&gt; order" in shown and "<b>wrong</b>" not in shown
    bad_settings = client.post("/loyalty/settings", data={"earn_rate": "abc"})
    assert bad_settings.status_code == 422
    services.save_reward(ctx_a, {"code": "KIT", "name": "Travel kit", "kind": "product",
                                 "points_cost": 300})
    form = client.get("/loyalty/customer/C1/redeem").get_data(as_text=True)
    assert "Travel kit (300)" in form
    data = {"reward_code": "KIT", "redemption_ref": "W-1"}
    assert client.post("/loyalty/customer/C1/redeem", data=data).status_code == 302
    assert client.post("/loyalty/customer/C1/redeem", data=data).status_code == 302
    # 500 − 50 adjusted − 300 once (the resubmitted form spends nothing more) = 150
    assert services.summary(ctx_a, seeded_id(ctx_a, "C1")).balance == 150
    over = client.post("/loyalty/customer/C1/redeem", data={"reward_code": "KIT",
                                                           "redemption_ref": "W-2"})
    assert over.status_code == 422 and "Not enough points" in over.get_data(as_text=True)


def test_customer_page_shows_the_loyalty_section(app, login, seeded, ctx_a):  # noqa: F811
    _enable(ctx_a)
    page = login("admin").get(f"/customers/show/{seeded.customers['C1']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "loyalty-summary" in html and "opening balance" in html
    assert 'href="/loyalty/customer/C1"' in html
