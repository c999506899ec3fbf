"""Lead screens and API: list filters, detail, contact, manual move, funnel, scoping."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.context import Ctx
from core.leads.assignment import move_lead
from core.leads.services import create_lead, log_contact
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]
Token = Callable[[str], dict[str, str]]


@pytest.fixture()
def leads(ctx_a: Ctx, seeded: Seeded) -> None:
    """L1 (event, moved to R1, one call), L2 (event, moved to R2), L3 (ads, in the pool)."""
    for ref, name, channel in (("L1", "孙丽", "event"), ("L2", "周杰", "event"),
                               ("L3", "吴磊", "ads")):
        create_lead(ctx_a, {"lead_ref": ref, "name": name, "channel": channel}, assign=False)
    move_lead(ctx_a, "L1", "R1", "区域")
    move_lead(ctx_a, "L2", "R2")
    log_contact(ctx_a, "L1", {"kind": "call", "summary": "首次电话"})


def _refs(html: str) -> list[str]:
    return re.findall(r'<tr data-ref="(L\d)">', html)


def test_lead_list_filters_and_scoping(login: Login, leads: None) -> None:
    boss = login("boss_a")
    # Same capture time: newest id first.
    assert _refs(boss.get("/leads/list/").get_data(as_text=True)) == ["L3", "L2", "L1"]
    assert _refs(boss.get("/leads/list/?status=pool").get_data(as_text=True)) == ["L3"]
    assert _refs(boss.get("/leads/list/?status=contacted").get_data(as_text=True)) == ["L1"]
    assert _refs(boss.get("/leads/list/?channel=event").get_data(as_text=True)) == ["L2", "L1"]
    assert _refs(boss.get("/leads/list/?rep=R1").get_data(as_text=True)) == ["L1"]
    assert _refs(boss.get("/leads/list/?rep=-").get_data(as_text=True)) == ["L3"]
    rep1 = login("rep1")
    assert _refs(rep1.get("/leads/list/").get_data(as_text=True)) == ["L1"]
    assert rep1.get("/leads/show/L2").status_code == 404
    other = login("boss_b")
    assert _refs(other.get("/leads/list/").get_data(as_text=True)) == []
    assert other.get("/leads/show/L1").status_code == 404


def test_lead_detail_contact_and_move(login: Login, leads: None) -> None:
    boss = login("boss_a")
    html = boss.get("/leads/show/L1").get_data(as_text=True)
    assert re.findall(r'data-move="([^"]*)"', html) == [":R1"]  # pool → R1, manual
    assert "区域" in html and re.findall(r'data-contact="(\w+)"', html) == ["call"]
    assert 'id="owner">R1<' in html
    r = boss.post("/leads/contact/L1", data={"kind": "visit", "summary": "上门"})
    assert r.status_code == 302
    html = boss.get("/leads/show/L1").get_data(as_text=True)
    assert re.findall(r'data-contact="(\w+)"', html) == ["visit", "call"]  # newest first
    bad = boss.post("/leads/contact/L1", data={"kind": "fax"})
    assert bad.status_code == 422 and 'data-field="kind"' in bad.get_data(as_text=True)
    # A rep may not move leads; a brand admin may.
    assert login("rep2").post("/leads/move/L2", data={"rep_ref": "R1"}).status_code == 403
    assert boss.post("/leads/move/L2", data={"rep_ref": "R1", "reason": "休假"}
                     ).status_code == 302
    html = boss.get("/leads/show/L2").get_data(as_text=True)
    assert re.findall(r'data-move="([^"]*)"', html) == [":R2", "R2:R1"]
    assert 'id="owner">R1<' in html
    assert login("boss_b").post("/leads/move/L2", data={"rep_ref": ""}).status_code == 404


def test_funnel_page(login: Login, leads: None) -> None:
    html = login("boss_a").get("/leads/funnel/").get_data(as_text=True)

    def rows(table: str) -> list[tuple[str, list[str]]]:
        block = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
        return [(k, re.findall(r'class="num">([^<]*)<', body))
                for k, body in re.findall(r'<tr data-key="(\w*)">(.*?)</tr>', block, re.S)]

    # (Babel drops trailing zeros: 0.0 % shows as 0%.)
    # ads: L3 (not contacted); event: L1 (contacted), L2 → 2 leads, 1 contacted.
    assert rows("funnel-channel") == [("ads", ["1", "0", "0", "0", "0%"]),
                                      ("event", ["2", "1", "0", "0", "0%"])]
    # By holder: the pool (L3), R1 (L1, contacted), R2 (L2).
    assert rows("funnel-rep") == [("", ["1", "0", "0", "0", "0%"]),
                                  ("R1", ["1", "1", "0", "0", "0%"]),
                                  ("R2", ["1", "0", "0", "0", "0%"])]
    assert login("rep1").get("/leads/funnel/").status_code == 404


def test_lead_api(app: Flask, token: Token, leads: None) -> None:
    client = app.test_client()
    r = client.get("/api/v1/leads/?channel=event", headers=token("boss_a")).json
    assert r["count"] == 2
    assert [(x["lead_ref"], x["rep_ref"], x["status"]) for x in r["result"]] == [
        ("L2", "R2", "new"), ("L1", "R1", "contacted")]
    assert client.get("/api/v1/leads/", headers=token("rep1")).json["count"] == 1
    assert client.get("/api/v1/leads/", headers=token("boss_b")).json["count"] == 0
    bad = client.post("/api/v1/leads/", headers=token("boss_a"),
                      json={"lead_ref": "L9", "channel": "tv"})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"name", "channel"}
    ok = client.post("/api/v1/leads/", headers=token("boss_a"),
                     json={"lead_ref": "L9", "name": "郑爽", "channel": "ads",
                           "phone": "13900139009"})
    assert ok.status_code == 201, ok.json
    assert ok.json["result"]["lead_ref"] == "L9"
    assert ok.json["result"]["phone"] == "139****9009"
    assert client.get("/api/v1/leads/", headers=token("boss_a")).json["count"] == 4
