"""Rep pickers where the forms had a select of every rep (#18): the customer's owner,
a task's owner, a lead's move, the offboarding handover and a rep login. Each field is
now a search picker (``/reps/pick``), which also works past the select's 100 reps; what
is typed is the rep's ref, checked by the service like any other input.

Seed (tests/web/seed.py): reps R1 王芳 and R2 李强 of brand A; customers C1, C2 (R1).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.models import Customer, Rep, Task

PAGES = [
    ("/customers/add", "rep_ref"),
    ("/tasks/add", "rep_ref"),
    ("/staff/add", "rep_ref"),
]


def _picker(html: str, name: str) -> bool:
    """The field is a text input with the rep picker, and no select of reps is left."""
    field = re.search(rf'<input id="f-{name}"[^>]*>', html)
    return bool(field) and 'data-picker="/reps/pick"' in field.group(0) \
        and f'<select id="f-{name}"' not in html


@pytest.mark.parametrize(("url", "name"), PAGES)
def test_forms_use_the_rep_picker(login, url: str, name: str) -> None:
    r = login("boss_a").get(url)
    assert r.status_code == 200
    assert _picker(r.get_data(as_text=True), name)


def test_offboarding_and_lead_move_use_the_rep_picker(login, ctx_a, seeded) -> None:
    from core.leads.services import create_lead

    create_lead(ctx_a, {"lead_ref": "L9", "name": "线索九", "channel": "event"})
    boss = login("boss_a")
    assert _picker(boss.get(f"/offboard/{seeded.reps['R1']}").get_data(as_text=True),
                   "to_rep_ref")
    assert _picker(boss.get("/leads/move/L9").get_data(as_text=True), "rep_ref")


def test_the_picked_ref_is_saved(login, ctx_a) -> None:
    boss = login("boss_a")
    r = boss.post("/customers/add", data={"customer_ref": "N1", "name": "新客",
                                          "rep_ref": "R2"})
    assert r.status_code == 302
    r = boss.post("/tasks/add", data={"title": "回访", "due_at": "2026-03-03T10:00",
                                      "customer_ref": "N1", "rep_ref": "R1"})
    assert r.status_code == 302
    ctx_a.session.rollback()
    owner = ctx_a.session.scalar(select(Rep.rep_ref).join(
        Customer, Customer.rep_id == Rep.id).where(Customer.customer_ref == "N1"))
    task_owner = ctx_a.session.scalar(select(Rep.rep_ref).join(
        Task, Task.rep_id == Rep.id).where(Task.title == "回访"))
    assert (owner, task_owner) == ("R2", "R1")


def test_an_unknown_or_foreign_ref_is_a_field_error(login, ctx_a) -> None:
    r = login("boss_a").post("/customers/add", data={"customer_ref": "N2", "name": "新客二",
                                                     "rep_ref": "R9"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-field="rep_ref"' in html
    # A rep may not give a new customer to another rep by typing their ref.
    r = login("rep1").post("/customers/add", data={"customer_ref": "N3", "name": "新客三",
                                                   "rep_ref": "R2"})
    assert r.status_code == 422 and 'data-field="rep_ref"' in r.get_data(as_text=True)
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Customer.id).where(
        Customer.customer_ref.in_(["N2", "N3"]))) is None


@pytest.mark.parametrize("url", ["/orders/list/", "/customers/list/", "/tasks/list/",
                                 "/today/"])
def test_list_filters_use_the_rep_picker(login, url: str) -> None:
    html = login("boss_a").get(url).get_data(as_text=True)
    field = re.search(r'<input type="search" name="rep"[^>]*>', html)
    assert field and 'data-picker="/reps/pick"' in field.group(0), url
    assert '<select name="rep"' not in html and "forms.js" in html


def test_the_rep_filter_keeps_the_typed_ref(login) -> None:
    html = login("boss_a").get("/orders/list/?rep=R2").get_data(as_text=True)
    assert re.search(r'<input type="search" name="rep" value="R2"', html)
    # R2's customers C3 and C4: orders O3 and O4 only.
    refs = re.findall(r'class="mono strong" href="/orders/show/\d+">([^<]+)<', html)
    assert sorted(refs) == ["O3", "O4"]
