"""Rep certificates about to expire: the brand setting, the back-office task rule, the list
and the rep page.

Brand A is in Asia/Shanghai (UTC+8). The default clock is 2026-03-02 02:00 UTC, i.e. 2 March
local; 42 days later is 13 April 2026.
"""

from __future__ import annotations

from sqlalchemy import select

from core.models import Task
from core.services.reps import change_rep_status, expiring_certificates, update_rep
from core.services.settings import set_settings
from core.tasks.rules import certificate_rule
from tests.core.tasks_helpers import customer, rep, tasks, utc


def _cert(until: str) -> dict[str, str]:
    return {"certificate_no": f"ZX-{until}", "certificate_valid_from": "2021-01-01",
            "certificate_valid_until": until}


def _seed(ctx):
    reps = {
        "R1": rep(ctx, "R1", **_cert("2026-04-13")),  # exactly 42 days ahead: warned
        "R2": rep(ctx, "R2", **_cert("2026-04-14")),  # 43 days ahead: not yet
        "R3": rep(ctx, "R3", **_cert("2026-02-20")),  # already expired: warned
        "R4": rep(ctx, "R4", **_cert("2026-03-10")),  # suspended below: not warned
        "R5": rep(ctx, "R5"),                          # no certificate on file
    }
    change_rep_status(ctx, "R4", "suspended", None, "test")
    return reps


def test_rule_creates_one_back_office_task_per_expiring_certificate(ctx_a, ctx_b, clock):
    reps = _seed(ctx_a)
    assert certificate_rule(ctx_a) == 2
    r1, r3 = reps["R1"].id, reps["R3"].id
    # due at the end of the local day before the certificate lapses: 12 April 23:59:59
    # Shanghai = 15:59:59 UTC; no customer, no rep (the back office's task)
    assert tasks(ctx_a, "certificate") == {
        f"certificate:{r1}:2026-04-13": (None, None, utc(2026, 4, 12, 15, 59, 59)),
        f"certificate:{r3}:2026-02-20": (None, None, utc(2026, 2, 19, 15, 59, 59)),
    }
    titles = set(ctx_a.session.scalars(select(Task.title).where(Task.kind == "certificate")))
    ctx_a.session.rollback()
    assert any("R1" in t and "ZX-2026-04-13" in t and "2026-04-13" in t for t in titles)
    assert certificate_rule(ctx_a) == 0  # the same certificate is warned about once
    assert certificate_rule(ctx_b) == 0  # brand B has no reps


def test_the_warning_window_is_a_brand_setting_and_a_renewal_is_warned_again(ctx_a, clock):
    reps = _seed(ctx_a)
    set_settings(ctx_a, {"reps.certificate_warning_days": 43})
    assert certificate_rule(ctx_a) == 3  # R2 (14 April) now inside the window
    update_rep(ctx_a, "R1", _cert("2026-04-01"))  # a new date: a new key
    assert certificate_rule(ctx_a) == 1
    assert f"certificate:{reps['R1'].id}:2026-04-01" in tasks(ctx_a, "certificate")


def test_expiring_list_is_soonest_first_and_scoped(ctx_a, ctx_b, clock):
    _seed(ctx_a)
    assert [r.rep_ref for r in expiring_certificates(ctx_a)] == ["R3", "R1"]
    assert [r.rep_ref for r in expiring_certificates(ctx_a, days=50)] == ["R3", "R1", "R2"]
    assert expiring_certificates(ctx_b) == []


def test_rep_page_shows_certificate_phone_territory_and_links_all_customers(
        ctx_a, web_app, make_user, login_as, clock):
    r1 = rep(ctx_a, "R1", phone="13912345678", province="浙江", territory="杭州",
             **_cert("2026-04-13"))
    for i in range(22):
        customer(ctx_a, f"C{i:02d}", "R1")
    make_user("boss", "brand_admin", brand="A")
    client = login_as("boss")
    listing = client.get("/reps/certificates")
    assert listing.status_code == 200
    assert "R1" in listing.get_data(as_text=True)
    html = client.get(f"/reps/show/{r1.id}").get_data(as_text=True)
    assert "ZX-2026-04-13" in html and 'id="certificate"' in html
    assert "杭州" in html and "浙江" in html
    assert "13912345678" not in html and "5678" in html  # the phone, masked
    assert "/customers/list/?rep=R1" in html  # a link to all 22, not only the first 20
