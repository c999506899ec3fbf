"""The web application factory: Flask-AppBuilder admin, REST API, languages, security.

``create_app(runtime)`` uses the runtime's engine for everything (FAB's ``ab_*`` security
tables live in the same database): FAB gets a scoped session on our sessionmaker, so SQLite
keeps its WAL and busy-timeout settings, and tests share the test database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request, session, url_for
from flask_appbuilder import AppBuilder
from flask_appbuilder.const import AUTH_DB
from flask_login import logout_user, user_logged_in
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import text
from sqlalchemy.orm import scoped_session

from core.i18n import LOCALES_DIR
from core.runtime import Runtime, start
from core.users.login_limits import retry_after
from core.users.passwords import fab_password_validator
from core.users.sessions import SESSION_LOGIN_AT, is_revoked, stamp_login
from core.web import ratelimit, roles

ENV_SECURE_COOKIES = "DIRECTCRM_SECURE_COOKIES"
ENV_SECRET_KEY = "DIRECTCRM_SECRET_KEY"
ENV_RATELIMIT_STORAGE = "DIRECTCRM_RATELIMIT_STORAGE"
ENV_PROXY_COUNT = "DIRECTCRM_PROXY_COUNT"

LANGUAGES = {
    "en": {"flag": "gb", "name": "English"},
    "zh_Hans_CN": {"flag": "cn", "name": "简体中文"},
    "zh_Hant_TW": {"flag": "tw", "name": "繁體中文"},
}


def _secret_key(instance: Path) -> str:
    """The session and JWT signing key: from the environment, else generated once."""
    if os.environ.get(ENV_SECRET_KEY):
        return os.environ[ENV_SECRET_KEY]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def default_config(rt: Runtime) -> dict[str, Any]:
    """Settings of the web app; ``create_app(config=...)`` overrides any of them."""
    return {
        "SECRET_KEY": _secret_key(rt.settings.instance_path),
        "APP_NAME": "directcrm",
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": roles.SUPER_ADMIN,
        "AUTH_ROLE_PUBLIC": "Public",
        "FAB_ROLES": roles.fab_roles(info.manifest for info in rt.registry.modules.values()),
        "FAB_UPDATE_PERMS": False,
        "FAB_ADD_SECURITY_PERMISSION_VIEW": False,
        "FAB_ADD_SECURITY_VIEW_MENU_VIEW": False,
        "FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW": False,
        "FAB_API_SWAGGER_UI": False,
        "FAB_API_MAX_PAGE_SIZE": 100,
        "FAB_BASE_TEMPLATE": "crm/layout.html",
        # Login limits live in the database (core.users.login_limits), shared by every
        # worker (FAB's login limiter is off). Flask-Limiter limits the expensive reads
        # per user and the public pages per address; its counters are in the database
        # too (core.web.ratelimit), or in Redis with DIRECTCRM_RATELIMIT_STORAGE.
        "RATELIMIT_ENABLED": True,
        **ratelimit.storage_config(rt.engine, os.environ.get(ENV_RATELIMIT_STORAGE)),
        "RATELIMIT_HEADERS_ENABLED": True,
        "DIRECTCRM_EXPENSIVE_LIMIT": "30 per minute",
        # The one password policy (core.users.passwords) on FAB's password forms too.
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        "FAB_PASSWORD_COMPLEXITY_VALIDATOR": fab_password_validator,
        "AUTH_RATE_LIMITED": False,
        # Cookies: HttpOnly, SameSite=Lax, Secure behind HTTPS (set the env variable).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get(ENV_SECURE_COOKIES, "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(LOCALES_DIR),
        "JSON_SORT_KEYS": False,
    }


# Sent with every response. Scripts and styles come only from this server (no CDN);
# inline script stays allowed because Flask-AppBuilder's own pages (password change, the
# API explorer) use it. No page may be framed by another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; "
                               "script-src 'self' 'unsafe-inline'; object-src 'none'; "
                               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


LOGIN_PATHS = ("/login/", "/api/v1/security/login")
# Reads that scan a window of history: a per-user rate limit (beyond it 429 + Retry-After).
EXPENSIVE_APIS = ("FiguresApi", "SegmentApi", "RiskApi")


def _user_key() -> str:
    """The rate-limit key: the JWT's user, else the address."""
    from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # noqa: BLE001 - a bad token is refused later; limit by address
        identity = None
    return f"user:{identity}" if identity else f"addr:{request.remote_addr}"


def _limit_expensive_reads(app: Flask, appbuilder: AppBuilder) -> None:
    limit = app.config["DIRECTCRM_EXPENSIVE_LIMIT"]
    for name in EXPENSIVE_APIS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            appbuilder.sm.limiter.limit(limit, key_func=_user_key)(blueprint)


def _trust_proxies(app: Flask, count: int | str | None) -> None:
    """Behind ``count`` reverse proxies, take the client's address, scheme and host from
    their ``X-Forwarded-*`` headers (werkzeug's ProxyFix), so that the per-address limits
    and the audit log see the client and not the proxy. With none (the default) the
    headers are ignored: a client could forge them."""
    try:
        n = int(count or 0)
    except ValueError:
        raise ValueError(f"{ENV_PROXY_COUNT} must be a number of proxies, not {count!r}"
                         ) from None
    if n > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def create_app(runtime: Runtime | None = None, config: Mapping[str, Any] | None = None
               ) -> Flask:
    """Build the web app on ``runtime`` (default: ``core.runtime.start()``)."""
    from core.web import context, errors, i18n_web, views
    from core.web.api import register_apis
    from core.web.security import CrmSecurityManager
    from core.web.views.index import CrmIndexView

    rt = runtime or start()
    app = Flask("core.web", root_path=str(Path(__file__).parent),
                static_url_path="/static/crm")
    app.config.update(default_config(rt))
    app.config.update(config or {})
    app.extensions["directcrm"] = rt
    _trust_proxies(app, app.config.get("DIRECTCRM_PROXY_COUNT")
                   or os.environ.get(ENV_PROXY_COUNT))
    CSRFProtect(app)

    fab_session = scoped_session(rt.sessionmaker)
    appbuilder = AppBuilder(indexview=CrmIndexView, security_manager_class=CrmSecurityManager,
                            base_template="crm/layout.html")

    @user_logged_in.connect_via(app)
    def _stamp(_sender: Any, user: Any) -> None:
        stamp_login(session)

    @app.before_request
    def _end_revoked_session() -> Any:
        # A session cookie saved before a logout or a password change no longer works.
        user_id = session.get("_user_id")
        if user_id is None or request.path.startswith("/api/"):
            return None
        if is_revoked(fab_session(), int(user_id), session.get(SESSION_LOGIN_AT)):
            logout_user()
            session.clear()
            return redirect(url_for("CrmAuthDBView.login"))
        return None

    @app.before_request
    def _login_limits() -> Any:
        if request.method != "POST" or request.path not in LOGIN_PATHS:
            return None
        body = request.get_json(silent=True) if request.is_json else request.form
        username = body.get("username") if isinstance(body, Mapping) else None
        wait = retry_after(fab_session(), str(username) if username else None,
                           request.remote_addr)
        fab_session.remove()
        if wait is None:
            return None
        return errors.too_many_attempts(wait)

    @app.get("/healthz")
    def _healthz() -> Any:
        """For load balancers and process managers: 200 when the database answers."""
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            return {"status": "error", "database": type(exc).__name__}, 503
        return {"status": "ok", "database": "ok"}

    @app.after_request
    def _security_headers(response: Any) -> Any:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    @app.teardown_appcontext
    def _remove_sessions(exc: BaseException | None = None) -> None:
        fab_session.remove()
        context.close_db_session(exc)

    with app.app_context():
        appbuilder.init_app(app, fab_session)
        i18n_web.init_app(app)
        errors.init_app(app)
        views.register_views(appbuilder)
        register_apis(appbuilder)
        views.register_module_views(appbuilder)
        _limit_expensive_reads(app, appbuilder)
    return app
