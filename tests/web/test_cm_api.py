"""REST endpoints for figures, churn risk, segments and today lists; figures on the pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from core.context import Ctx
from tests.web.cm_seed import seed_cm
from tests.web.seed import Seeded

Token = Callable[[str], dict[str, str]]
Login = Callable[[str], FlaskClient]


@pytest.fixture()
def cm(ctx_a: Ctx, seeded: Seeded) -> dict[str, int]:
    return seed_cm(ctx_a, seeded)


def test_brand_and_rep_figures(app, token: Token, login: Login, seeded: Seeded,
                               cm: dict[str, int]) -> None:
    client = app.test_client()
    # Window: the 365 local days 2025-03-03..2026-03-02. Paid orders: O1 C1 199.00 (R1),
    # O2 C1 598.00 (R1), O3 C3 599.00 (R2), O9 C2 199.00 (R1); O4 is pending.
    f = client.get("/api/v1/figures/", headers=token("boss_a")).json["result"]
    # 4 orders, 3 buyers (C1 twice), revenue 199 + 598 + 599 + 199 = 1595.00,
    # AOV 1595 / 4 = 398.75, repurchase 1 / 3 = 33.33 %, all three bought first here.
    assert (f["orders"], f["buyers"], f["revenue"], f["aov"]) == (4, 3, "1595.00", "398.75")
    assert f["repurchase_rate"] == "33.33" and f["new_customers"] == 3
    # First-to-last spans: C1 2026-01-10..02-12 = 33 days, C2 0, C3 0 → mean 11 days
    # = 0.0301 years, plus one purchase interval 1 / (4/3) = 0.75 → 0.7801 → 0.78;
    # LTV 398.75 × 4/3 × (11/365 + 3/4) = 16.0228… + 398.75 = 414.7728… → 414.77.
    assert f["ltv"] == "414.77" and f["years_retained"] == "0.78"
    # Tasks due in the window: T1, T2, T4 (T3 is tomorrow); none done → 0.00 %.
    assert (f["tasks_due"], f["tasks_on_time"], f["follow_up_timeliness"]) == (3, 0, "0.00")
    assert f["leads_converted"] == 0
    r1 = client.get("/api/v1/figures/R1", headers=token("boss_a")).json["result"]
    # R1: O1, O2, O9 → 3 orders, 2 buyers, 996.00, AOV 332.00, repurchase 1 / 2 = 50.00 %.
    assert (r1["orders"], r1["revenue"], r1["aov"], r1["repurchase_rate"]) == (
        3, "996.00", "332.00", "50.00")
    assert r1["tasks_due"] == 2 and r1["new_customers"] == 2
    # A rep gets their own figures, not another rep's or the brand's.
    own = client.get("/api/v1/figures/", headers=token("rep1")).json["result"]
    assert own["rep_ref"] == "R1" and own["revenue"] == "996.00"
    assert client.get("/api/v1/figures/R2", headers=token("rep1")).status_code == 404
    assert client.get("/api/v1/figures/R1", headers=token("boss_b")).status_code == 404
    assert client.get("/api/v1/figures/?as_of=yesterday",
                      headers=token("boss_a")).json["errors"] == {
        "as_of": ["Not a valid date, e.g. 2026-03-01."]}
    # The same figures on the dashboard and the rep page.
    boss = login("boss_a")
    html = boss.get("/dashboard/").get_data(as_text=True)
    assert 'id="fig-aov">CN¥398.75<' in html and 'id="fig-repurchase_rate">33.33%<' in html
    html = boss.get(f"/reps/show/{seeded.reps['R1']}").get_data(as_text=True)
    assert 'id="fig-aov">CN¥332.00<' in html and 'id="fig-new_customers">2<' in html
    html = login("rep1").get("/dashboard/").get_data(as_text=True)
    assert 'id="fig-aov">CN¥332.00<' in html  # the rep's own, not the brand's 398.75


def test_risk_endpoints(app, token: Token, cm: dict[str, int]) -> None:
    client = app.test_client()
    r = client.get("/api/v1/risk/", headers=token("boss_a")).json
    assert r["count"] == 2
    assert [(x["customer_ref"], [f["rule"] for f in x["flags"]]) for x in r["result"]] == [
        ("C1", ["no_contact"]), ("C2", ["no_order", "no_contact"])]
    one = client.get("/api/v1/risk/C1", headers=token("boss_a")).json["result"]
    assert one["flags"] == [{"rule": "no_contact",
                             "message": "No contact in the last 30 days."}]
    assert one["segments"] == {"abc": "A", "rfm": "champions"}
    assert client.get("/api/v1/risk/C1", headers=token("boss_b")).status_code == 404
    assert client.get("/api/v1/risk/C3", headers=token("rep1")).status_code == 404
    assert client.get("/api/v1/risk/", headers=token("boss_b")).json["count"] == 0


def test_today_endpoints(app, token: Token, cm: dict[str, int]) -> None:
    client = app.test_client()
    mine = client.get("/api/v1/today/", headers=token("rep1")).json
    # T1 (C1, value 797.00, overdue) before T2 (C2, value 199.00, due 16:00 local).
    assert [(t["task_id"], t["overdue"], t["customer_value"]) for t in mine["result"]] == [
        (cm["T1 overdue C1"], True, "797.00"), (cm["T2 later today C2"], False, "199.00")]
    assert client.get("/api/v1/today/R2", headers=token("rep1")).status_code == 404
    r2 = client.get("/api/v1/today/R2", headers=token("boss_a")).json["result"]
    assert [t["task_id"] for t in r2] == [cm["T4 overdue C3"]]
    assert client.get("/api/v1/today/R1", headers=token("boss_b")).status_code == 404
    over = client.get("/api/v1/today/overdue", headers=token("boss_a")).json["result"]
    assert [(o["rep_ref"], o["overdue"]) for o in over] == [("R1", 1), ("R2", 1)]
    over = client.get("/api/v1/today/overdue", headers=token("rep2")).json["result"]
    assert [(o["rep_ref"], o["overdue"]) for o in over] == [("R2", 1)]
    assert client.get("/api/v1/today/", headers=token("boss_a")).status_code == 422
    assert client.get("/api/v1/today/").status_code == 401


def test_segment_moves_endpoint(app, token: Token, cm: dict[str, int]) -> None:
    client = app.test_client()
    # seed_cm stored C1 into "A" (abc) on 2026-03-01: one move from nothing to A in March.
    r = client.get("/api/v1/segments/moves?scheme=abc", headers=token("boss_a")).json
    assert r["result"] == [{"customer_ref": "C1", "old": None, "new": "A",
                            "as_of": "2026-03-01"}]
    r = client.get("/api/v1/segments/moves?scheme=abc&last_day=2026-02-28",
                   headers=token("boss_a")).json
    assert r["count"] == 0  # February: nothing
    assert client.get("/api/v1/segments/moves?scheme=abc",
                      headers=token("boss_b")).json["count"] == 0
    bad = client.get("/api/v1/segments/moves?scheme=xyz", headers=token("boss_a"))
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["scheme"]
