"""Brands are editable (name, timezone, language, jurisdiction; currency only while the
brand has no orders), from the web and the CLI, audited ("one contract" defect 3)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.models import Brand
from tests.core.tasks_helpers import run_cli_fixture  # noqa: F401  (fixture)

Login = Callable[[str], FlaskClient]


def _brand(ctx: Ctx, code: str) -> Brand:
    ctx.session.rollback()
    return ctx.session.scalar(select(Brand).where(Brand.code == code).execution_options(
        populate_existing=True))


def test_brand_admin_edits_the_brand(login: Login, ctx_a: Ctx) -> None:
    client = login("boss_a")
    assert client.get("/brands/edit").status_code == 200
    r = client.post("/brands/edit", data={"name": "Brand A 华东", "timezone": "Asia/Taipei",
                                          "jurisdiction": "CN", "locale": "en",
                                          "currency": "CNY"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    b = _brand(ctx_a, "A")
    assert (b.name, b.timezone, b.default_locale) == ("Brand A 华东", "Asia/Taipei", "en")
    changed = ctx_a.session.scalar(select(AuditEntry).where(
        AuditEntry.record_type == "brands", AuditEntry.action == "update"))
    assert changed is not None and changed.changes["name"] == ["Brand A", "Brand A 华东"]
    # The seeded brand has orders: its currency is fixed now.
    r = client.post("/brands/edit", data={"name": "Brand A", "currency": "USD",
                                          "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                                          "locale": "zh_Hans_CN"})
    assert r.status_code == 422
    assert "currency cannot change" in r.get_data(as_text=True)
    assert _brand(ctx_a, "A").currency == "CNY" and _brand(ctx_a, "A").name == "Brand A 华东"


def test_cli_update_names_a_bad_field(run_cli, ctx_b: Ctx) -> None:  # noqa: F811
    bad = run_cli("brand", "update", "B", "--timezone", "Mars/Olympus")
    assert bad.exit_code == 1 and "timezone" in bad.output
    ok = run_cli("brand", "update", "B", "--currency", "USD", "--name", "Brand B 台北")
    assert ok.exit_code == 0, ok.output
    b = _brand(ctx_b, "B")
    assert (b.currency, b.name) == ("USD", "Brand B 台北")
