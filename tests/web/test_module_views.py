"""A module's admin screens (added through ``crm_register_views``) appear in the menu and
open only for brands that enabled the module; for the others they are 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask_appbuilder import BaseView, expose, has_access

from core.context import Ctx
from core.hookspecs import hookimpl
from core.plugins import Manifest
from core.runtime import Runtime
from core.services.modules import enable_modules
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app


class PointsView(BaseView):
    route_base = "/webmod"
    class_permission_name = "mod_webmod"
    default_view = "index"
    method_permission_name = {"index": "read"}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def index(self) -> Any:
        return "webmod points page"


class WebMod:
    @hookimpl
    def crm_register_views(self, ctx: Ctx, appbuilder: Any) -> None:
        appbuilder.add_view(PointsView, "Points", label="Points")


@pytest.fixture()
def webmod(rt: Runtime) -> Iterator[str]:
    impl = WebMod()
    manifest = Manifest(name="webmod", version="0.1.0", summary="Test module")
    rt.registry.register_all([(manifest, impl)])
    yield "webmod"
    rt.registry.pm.unregister(impl)
    del rt.registry.modules["webmod"]
    rt.registry._subsets.clear()


def test_module_menu_and_pages_follow_the_brand(rt: Runtime, clock: FixedClock, ctx_a: Ctx,
                                                webmod: str) -> None:
    enable_modules(ctx_a, [webmod])
    app = build_app(rt, clock, WTF_CSRF_ENABLED=False)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A", locale="en")
    create_user(app, "boss_b", PASSWORD, "manager", brand_code="B", locale="en")
    a, b = app.test_client(), app.test_client()
    for client, name in ((a, "boss_a"), (b, "boss_b")):
        assert client.post("/login/", data={"username": name, "password": PASSWORD}
                           ).status_code == 302
    page_a = a.get("/dashboard/").get_data(as_text=True)
    assert 'href="/webmod/"' in page_a and ">Points</a>" in page_a
    assert a.get("/webmod/").get_data(as_text=True) == "webmod points page"
    page_b = b.get("/dashboard/").get_data(as_text=True)
    assert "/webmod/" not in page_b
    assert b.get("/webmod/").status_code == 404
