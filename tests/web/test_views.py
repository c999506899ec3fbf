"""Admin screens through the Flask test client: pages, scoping, forms, languages, cookies."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.models import Customer
from core.runtime import Runtime
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, Recorder, build_app
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]

PAGES = ["/dashboard/", "/customers/list/", "/customers/add", "/orders/list/", "/orders/add",
         "/returns/list/", "/returns/add", "/interactions/list/", "/interactions/add",
         "/tasks/list/", "/tasks/add", "/reps/list/", "/reps/add", "/products/list/",
         "/products/add", "/brands/list/"]


def test_every_page_renders_for_a_brand_admin(login: Login, seeded: Seeded) -> None:
    client = login("boss_a")
    for url in PAGES + [f"/customers/show/{seeded.customers['C1']}",
                        f"/customers/edit/{seeded.customers['C1']}",
                        f"/reps/show/{seeded.reps['R1']}", f"/reps/edit/{seeded.reps['R1']}",
                        f"/reps/status/{seeded.reps['R1']}"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)


def test_login_required(app: Flask) -> None:
    r = app.test_client().get("/customers/list/")
    assert r.status_code == 302 and "/login/" in r.headers["Location"]


def test_dashboard_figures(login: Login) -> None:
    html = login("boss_a").get("/dashboard/").get_data(as_text=True)
    # March 2026 (Shanghai): O3 paid 599.00; O4 is pending and not counted.
    assert 'id="kpi-sales">CN¥599.00<' in html
    assert html.count("<svg") >= 3


def test_other_brand_and_other_rep_get_404(login: Login, seeded: Seeded) -> None:
    c3 = seeded.customers["C3"]
    assert login("boss_b").get(f"/customers/show/{c3}").status_code == 404
    assert login("boss_b").get(f"/customers/edit/{c3}").status_code == 404
    rep1 = login("rep1")
    assert rep1.get(f"/customers/show/{c3}").status_code == 404
    assert rep1.get(f"/customers/show/{seeded.customers['C1']}").status_code == 200
    assert rep1.get(f"/reps/show/{seeded.reps['R2']}").status_code == 404
    own = rep1.get("/reps/list/")
    assert own.status_code == 302 and own.headers["Location"].endswith(
        f"/reps/show/{seeded.reps['R1']}")
    listed = rep1.get("/customers/list/").get_data(as_text=True)
    assert "张伟" in listed and "陈静" not in listed


def test_customer_page(login: Login, seeded: Seeded, recorder: Recorder) -> None:
    c1 = seeded.customers["C1"]
    html = login("boss_a").get(f"/customers/show/{c1}").get_data(as_text=True)
    assert "138****8001" in html and "13800138001" not in html  # masked phone
    assert "王芳" in html  # owning rep
    assert "VIP" in html
    assert "Repeat buyer" in html  # two paid orders
    # Revenue 199.00 + 598.00 = 797.00
    assert "CN¥797.00" in html  # Babel, English: CN¥
    assert 'id="section-webtest"' in html and str(1000 + c1) in html
    # Timeline, newest first (the links themselves: a CSRF token on the page may contain
    # "O1" by chance, which made this assertion fail now and then).
    assert html.index('class="mono">O2</a>') < html.index('class="mono">O1</a>')


def test_create_customer_form_errors_then_success(login: Login, rt: Runtime) -> None:
    client = login("boss_a")
    r = client.post("/customers/add", data={"customer_ref": "", "name": "王五",
                                            "email": "bad"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-field="customer_ref"' in html and 'data-field="email"' in html
    assert "Not a valid email address." in html
    with rt.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Customer)
                        .where(Customer.name == "王五")) == 0
    r = client.post("/customers/add", data={"customer_ref": "C10", "name": "王五",
                                            "rep_ref": "R1", "tags": "新客, 直播"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "王五" in page and "新客" in page and "直播" in page


def test_form_errors_in_the_users_language(login: Login) -> None:
    client = login("boss_a")
    client.get("/language/zh_Hans_CN")
    html = client.post("/customers/add", data={"name": "x", "email": "bad"}
                       ).get_data(as_text=True)
    assert "缺少必填字段。" in html  # customer_ref: Missing data for required field.
    client.get("/language/zh_Hant_TW")
    html = client.get("/customers/list/").get_data(as_text=True)
    assert "客戶" in html and "訂單" in html


def test_record_order_form(login: Login, recorder: Recorder) -> None:
    client = login("rep1")
    r = client.post("/orders/add", data={
        "order_ref": "W1", "customer_ref": "C2", "ordered_at": "2026-03-02T10:00",
        "status": "paid", "lines-0-sku": "P2", "lines-0-quantity": "3"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    # No unit price given: the list price 299.00 x 3 = 897.00
    assert 'id="order-total">CN¥897.00<' in html
    assert [e.order_ref for e in recorder.paid] == ["W1"]
    # A rep cannot record an order for another rep's customer.
    r = client.post("/orders/add", data={
        "order_ref": "W2", "customer_ref": "C3", "ordered_at": "2026-03-02T10:00",
        "lines-0-sku": "P2", "lines-0-quantity": "1"})
    assert r.status_code == 422 and "W2" not in [e.order_ref for e in recorder.paid]


def test_csrf_and_cookie_settings(rt: Runtime, clock: FixedClock, app: Flask) -> None:
    secured = build_app(rt, clock, SESSION_COOKIE_SECURE=True)
    from core.web.users import create_user

    create_user(secured, "csrf_user", PASSWORD, "brand_admin", brand_code="A")
    client = secured.test_client()
    # The login form itself needs its CSRF token.
    r = client.post("/login/", data={"username": "csrf_user", "password": PASSWORD})
    assert r.status_code == 400
    page = client.get("/login/").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login/", data={"username": "csrf_user", "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    r = client.post("/customers/add", data={"customer_ref": "Q1", "name": "x"})
    assert r.status_code == 400  # no CSRF token on a form post


def test_form_login_is_rate_limited(app: Flask) -> None:
    client = app.test_client()
    codes = [client.post("/login/", data={"username": "boss_a", "password": "wrong"}
                         ).status_code for _ in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429


def test_super_admin_switches_brand(login: Login, app: Flask) -> None:
    from core.models import Brand

    client = login("admin")
    html = client.get("/customers/list/").get_data(as_text=True)
    assert "Brand A" in html and "张伟" in html
    with app.app_context():
        from core.web.context import runtime

        with runtime().sessionmaker() as s:
            b = s.scalar(select(Brand).where(Brand.code == "B"))
    client.post("/switch-brand", data={"brand_id": b.id})
    html = client.get("/customers/list/").get_data(as_text=True)
    assert "张伟" not in html
    assert login("boss_a").post("/switch-brand", data={"brand_id": b.id}).status_code == 404


def test_reveal_phone_is_audited(login: Login, seeded: Seeded, rt: Runtime) -> None:
    from core.audit.models import AuditEntry

    c1 = seeded.customers["C1"]
    html = login("cs_a").post(f"/customers/reveal/{c1}").get_data(as_text=True)
    assert '<span id="phone">13800138001</span>' in html
    with rt.sessionmaker() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
    assert [(e.actor, e.record_type, e.record_id) for e in entries] == [
        ("cs_a", "customers", str(c1))]
    # The compliance officer reads but may not reveal.
    assert login("audit_a").post(f"/customers/reveal/{c1}").status_code == 403


def test_logins_are_audited(app: Flask, rt: Runtime) -> None:
    from core.audit.models import AuditEntry

    client = app.test_client()
    client.post("/login/", data={"username": "boss_a", "password": "wrong"})
    client.post("/login/", data={"username": "boss_a", "password": PASSWORD})
    with rt.sessionmaker() as s:
        actions = [(e.actor, e.action) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.like("login%")).order_by(AuditEntry.id))]
    assert actions == [("boss_a", "login_failure"), ("boss_a", "login_success")]


def test_create_user_checks_its_input(app: Flask) -> None:
    import pytest

    from core.errors import DomainError, ValidationFailed
    from core.web.users import create_user

    with pytest.raises(ValidationFailed) as exc:
        create_user(app, "new guy", "short", "wizard")
    assert set(exc.value.errors) == {"username", "password", "role"}
    with pytest.raises(ValidationFailed) as exc:
        create_user(app, "rep9", PASSWORD, "rep", brand_code="A")
    assert list(exc.value.errors) == ["rep_ref"]
    with pytest.raises(ValidationFailed) as exc:
        create_user(app, "rep9", PASSWORD, "rep", brand_code="A", rep_ref="NOPE")
    assert list(exc.value.errors) == ["rep_ref"]
    with pytest.raises(DomainError):
        create_user(app, "boss_a", PASSWORD, "manager", brand_code="A")


def test_edit_rep_and_change_status(login: Login, seeded: Seeded) -> None:
    client = login("boss_a")
    r1 = seeded.reps["R1"]
    r = client.post(f"/reps/edit/{r1}", data={"name": "王芳芳", "territory": "浦东"})
    assert r.status_code == 302
    assert "王芳芳" in client.get(f"/reps/show/{r1}").get_data(as_text=True)
    r = client.post(f"/reps/status/{r1}", data={"status": "suspended", "reason": "休假"})
    assert r.status_code == 302
    assert "Suspended" in client.get(f"/reps/show/{r1}").get_data(as_text=True)
    # Terminated → active is not an allowed transition: the form says so, nothing changes.
    client.post(f"/reps/status/{r1}", data={"status": "terminated"})
    r = client.post(f"/reps/status/{r1}", data={"status": "active"})
    assert r.status_code == 422 and "cannot go from terminated to active" in r.get_data(
        as_text=True)


def test_failed_login_message_in_traditional_chinese(app: Flask) -> None:
    client = app.test_client()
    client.get("/language/zh_Hant_TW")
    client.post("/login/", data={"username": "boss_a", "password": "nope"})
    assert "登入無效，請再試一次。" in client.get("/login/").get_data(as_text=True)


def test_users_screen(login: Login, seeded: Seeded) -> None:
    boss = login("boss_a")
    html = boss.get("/staff/list/").get_data(as_text=True)
    assert "rep1" in html and "boss_b" not in html  # brand A's logins only
    r = boss.post("/staff/add", data={"username": "rep_new", "password": PASSWORD,
                                      "role": "rep", "rep_ref": "R2"})
    assert r.status_code == 302
    assert "rep_new" in boss.get("/staff/list/").get_data(as_text=True)
    # A brand admin cannot make a super admin; the form names the field.
    r = boss.post("/staff/add", data={"username": "boss2", "password": PASSWORD,
                                      "role": "super_admin"})
    assert r.status_code == 422 and 'data-field="role"' in r.get_data(as_text=True)
    assert login("boss_b").post("/staff/add", data={}).status_code == 403  # a manager
    assert "boss_b" in login("admin").get("/staff/list/").get_data(as_text=True)


def test_brand_admin_enables_a_module(login: Login, rt: Runtime) -> None:
    from core.models import BrandModule

    boss = login("boss_a")
    r = boss.post("/brands/module", data={"module": "loyalty", "enable": "1"})
    assert r.status_code == 302
    with rt.sessionmaker() as s:
        rows = s.execute(select(BrandModule.module, BrandModule.enabled)).all()
    assert rows == [("loyalty", True)]
    assert login("boss_b").post("/brands/module", data={"module": "loyalty",
                                                        "enable": "1"}).status_code == 403


def test_every_role_can_change_its_password(login: Login, app: Flask) -> None:
    for name in ("rep1", "cs_a", "audit_a", "boss_b"):
        client = login(name)
        assert client.get("/resetmypassword/form").status_code == 200, name
    client = login("rep1")
    r = client.post("/resetmypassword/form", data={"password": "new-pass-123",
                                                   "conf_password": "new-pass-123"})
    assert r.status_code == 302
    fresh = app.test_client()
    fresh.post("/login/", data={"username": "rep1", "password": "new-pass-123"})
    assert fresh.get("/dashboard/").status_code == 200  # logged in with the new password


def test_security_headers_on_pages_and_api(login: Login, app: Flask) -> None:
    for response in (login("boss_a").get("/customers/list/"),
                     app.test_client().get("/api/v1/customers/")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
