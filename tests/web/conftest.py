"""Web fixtures: the app built on the test runtime, users per role, a seeded brand A."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from core.context import Ctx
from core.hookspecs import hookimpl
from core.runtime import Runtime
from core.web.app import create_app
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.seed import Seeded, seed_brand

PASSWORD = "correct-horse-1"
# FAB's user tables are not in our metadata, so the per-test wipe misses them.
FAB_USER_TABLES = ("ab_api_key", "ab_user_role", "ab_user_group", "ab_register_user", "ab_user")


def wipe_fab_users(rt: Runtime) -> None:
    existing = set(inspect(rt.engine).get_table_names())
    with rt.engine.begin() as conn:
        conn.execute(text("DELETE FROM user_brands"))
        for table in FAB_USER_TABLES:
            if table in existing:
                conn.execute(text(f'DELETE FROM "{table}"'))


def build_app(rt: Runtime, clock: FixedClock, **config: Any) -> Flask:
    """The app on the test database with the test clock."""
    wipe_fab_users(rt)
    # A cheap password hash keeps the tests fast (production keeps FAB's scrypt default).
    return create_app(rt, {"TESTING": True, "DIRECTCRM_CLOCK": clock,
                           "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})


class Recorder:
    """A test module: records order events and adds a section to the customer page."""

    def __init__(self) -> None:
        self.with_section = True
        self.paid: list[Any] = []
        self.refunded: list[Any] = []

    @hookimpl
    def crm_order_paid(self, ctx: Ctx, orders: Any) -> None:
        self.paid.extend(orders)

    @hookimpl
    def crm_order_refunded(self, ctx: Ctx, refunds: Any) -> None:
        self.refunded.extend(refunds)

    @hookimpl
    def crm_customer_profile_sections(self, ctx: Ctx, customer_id: int) -> list[Any] | None:
        from core.events import ProfileSection

        if not self.with_section:
            return None
        return [ProfileSection(key="webtest", title="Points balance",
                               html=f'<div class="points">{1000 + customer_id}</div>',
                               order=10)]


@pytest.fixture()
def recorder(rt: Runtime) -> Iterator[Recorder]:
    """A hook recorder registered for the test (called for every brand)."""
    rec = Recorder()
    rt.registry.pm.register(rec, name="webtest-recorder")
    yield rec
    rt.registry.pm.unregister(rec)


@pytest.fixture()
def seeded(ctx_a: Ctx) -> Seeded:
    return seed_brand(ctx_a)


@pytest.fixture()
def app(rt: Runtime, clock: FixedClock, brands: tuple[str, str], seeded: Seeded) -> Flask:
    """The app with users: admin (super), boss_a (brand admin A), rep1/rep2 (reps R1/R2
    of A), boss_b (manager of B), cs_a (customer service A), audit_a (compliance A)."""
    application = build_app(rt, clock, WTF_CSRF_ENABLED=False)
    for name, role, brand, rep in (("admin", "super_admin", None, None),
                                   ("boss_a", "brand_admin", "A", None),
                                   ("rep1", "rep", "A", "R1"), ("rep2", "rep", "A", "R2"),
                                   ("boss_b", "manager", "B", None),
                                   ("cs_a", "customer_service", "A", None),
                                   ("audit_a", "compliance_officer", "A", None)):
        create_user(application, name, PASSWORD, role, brand_code=brand, rep_ref=rep,
                    locale="en")
    return application


@pytest.fixture()
def login(app: Flask) -> Callable[[str], FlaskClient]:
    """``login("rep1")`` → a test client with a logged-in session."""

    def _login(username: str) -> FlaskClient:
        client = app.test_client()
        r = client.post("/login/", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, r.data[:500]
        return client

    return _login


@pytest.fixture()
def token(app: Flask) -> Callable[[str], dict[str, str]]:
    """``token("boss_a")`` → headers with a JWT from the API login."""

    def _token(username: str) -> dict[str, str]:
        r = app.test_client().post("/api/v1/security/login", json={
            "username": username, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    return _token
