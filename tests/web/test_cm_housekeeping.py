"""Duplicates (list and merge) and rep offboarding from the rep page."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from core.context import Ctx
from core.models import Customer, Rep, RepStatus, Task
from core.services.activities import create_task
from core.services.customers import create_customer
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]


def test_duplicates_list_and_merge(login: Login, ctx_a: Ctx, ctx_b: Ctx,
                                   seeded: Seeded) -> None:
    # C5 has C1's phone (13800138001): one group of two.
    create_customer(ctx_a, {"customer_ref": "C5", "name": "张伟", "phone": "13800138001"},
                    allow_duplicate=True)
    # Brand B has the same number twice: never shown to brand A.
    for ref in ("B1", "B2"):
        create_customer(ctx_b, {"customer_ref": ref, "name": "林", "phone": "13800138001"},
                        allow_duplicate=True)
    boss = login("boss_a")
    html = boss.get("/duplicates/list/").get_data(as_text=True)
    assert re.findall(r'data-match="(\w+)" data-refs="([\w,]+)"', html) == [
        ("phone", "C1,C5")]
    assert 'id="merge-1"' in html
    assert login("rep1").get("/duplicates/list/").status_code == 403
    # The compliance officer sees the groups read-only; customer service may not merge.
    seen = login("audit_a").get("/duplicates/list/").get_data(as_text=True)
    assert 'data-refs="C1,C5"' in seen and 'id="merge-1"' not in seen
    assert login("cs_a").post("/duplicates/merge", data={
        "survivor": "C1", "merged": ["C5"]}).status_code == 403
    assert login("rep1").post("/duplicates/merge", data={
        "survivor": "C1", "merged": ["C5"]}).status_code == 403
    # Another brand's manager cannot merge brand A's customers (not found in B).
    r = login("boss_b").post("/duplicates/merge", data={"survivor": "C1", "merged": ["C5"]},
                             follow_redirects=True)
    assert "C1" in r.get_data(as_text=True)  # the "not found" message
    assert ctx_a.session.scalar(select(Customer.merged_into_id).where(
        Customer.id == seeded.customers["C1"])) is None
    r = boss.post("/duplicates/merge", data={"survivor": "C1", "merged": ["C5"]},
                  follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Merged C5 into C1." in html and "No likely duplicates." in html
    ctx_a.session.rollback()  # a fresh read of what the request committed
    c5 = ctx_a.session.scalar(select(Customer).where(Customer.brand_id == ctx_a.brand_id,
                                                     Customer.customer_ref == "C5"))
    assert c5.merged_into_id == seeded.customers["C1"]


def test_offboard_from_the_rep_page(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    task = create_task(ctx_a, {"title": "回访", "customer_ref": "C1", "rep_ref": "R1",
                               "due_at": "2026-03-05T02:00:00+00:00"})
    boss = login("boss_a")
    page = boss.get(f"/reps/show/{seeded.reps['R1']}").get_data(as_text=True)
    assert 'id="offboard"' in page
    assert 'id="offboard"' not in login("rep1").get(
        f"/reps/show/{seeded.reps['R1']}").get_data(as_text=True)
    assert login("rep1").get(f"/offboard/{seeded.reps['R1']}").status_code == 403
    assert login("boss_b").get(f"/offboard/{seeded.reps['R1']}").status_code == 404
    # Neither a rep nor a team: the field error, nothing changed.
    bad = boss.post(f"/offboard/{seeded.reps['R1']}", data={"reason": "x"})
    assert bad.status_code == 422 and 'data-field="to_rep_ref"' in bad.get_data(as_text=True)
    assert "Give either one rep" in bad.get_data(as_text=True)
    r = boss.post(f"/offboard/{seeded.reps['R1']}", data={"to_rep_ref": "R2",
                                                          "reason": "离职"},
                  follow_redirects=True)
    # R1 held C1 and C2 and one open task; no leads.
    assert "R1 offboarded: 2 customers, 1 tasks and 0 leads handed over." in r.get_data(
        as_text=True)
    ctx_a.session.rollback()  # a fresh read of what the request committed
    r1, r2 = (ctx_a.session.scalar(select(Rep).where(Rep.brand_id == ctx_a.brand_id,
                                                     Rep.rep_ref == ref)) for ref in ("R1", "R2"))
    assert r1.status == RepStatus.TERMINATED
    owners = dict(ctx_a.session.execute(select(Customer.customer_ref, Customer.rep_id).where(
        Customer.brand_id == ctx_a.brand_id)).all())
    assert owners == {"C1": r2.id, "C2": r2.id, "C3": r2.id, "C4": r2.id}
    assert ctx_a.session.scalar(select(Task.rep_id).where(Task.id == task.id)) == r2.id
