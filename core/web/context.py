"""The per-request :class:`~core.context.Ctx`, built from the logged-in user.

The context is built lazily (``crm_ctx()``), because a REST call only knows its user once
FAB's ``@protect`` has checked the JWT. It carries the user's brand (a super admin picks
one with the brand switch), the user name, the locale, and for a rep the ``rep_scope_id``
that limits customers and orders to the rep's own.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from core.context import Ctx
from core.i18n import SUPPORTED_LOCALES, set_locale
from core.models import Brand, Rep
from core.runtime import Runtime
from core.users.models import UserBrand
from core.web import roles

SESSION_BRAND = "crm_brand_id"
SESSION_LOCALE = "locale"  # the key FAB's language switch (/lang/<locale>) writes


class NoBrand(Exception):
    """The logged-in user has no brand to act for."""


def runtime() -> Runtime:
    """The runtime the app was created with."""
    return current_app.extensions["directcrm"]


def db_session() -> Session:
    """This request's database session (closed when the request ends)."""
    if "crm_session" not in g:
        g.crm_session = runtime().sessionmaker()
    return g.crm_session


def close_db_session(_exc: BaseException | None = None) -> None:
    """Teardown: close this request's session."""
    sess = g.pop("crm_session", None)
    if sess is not None:
        sess.close()


def current_user() -> Any:
    """The FAB user of this request (form login or JWT), or None."""
    try:
        user = current_app.appbuilder.sm.current_user
    except AttributeError:  # an error page before FAB identified the user (CSRF refusal)
        return None
    return user if user is not None and getattr(user, "is_authenticated", True) else None


def role_names(user: Any) -> set[str]:
    """Names of the user's roles."""
    return {r.name for r in getattr(user, "roles", [])}


def is_super_admin(user: Any) -> bool:
    """True for the installation-wide super admin."""
    return roles.SUPER_ADMIN in role_names(user)


def is_rep_only(user: Any) -> bool:
    """True when the user's only view of the brand is as a rep."""
    names = role_names(user)
    return roles.REP in names and not (names & {roles.SUPER_ADMIN, roles.BRAND_ADMIN,
                                                 roles.MANAGER})


def _profile(sess: Session, user_id: int) -> UserBrand | None:
    return sess.scalar(select(UserBrand).where(UserBrand.user_id == user_id))


def select_locale() -> str:
    """The request's language: the switch in the navbar, the user's choice, the brand's
    default (signed out: the only brand's, when there is one), else the browser's
    preference."""
    if not has_request_context():
        return "en"
    if request.path.startswith("/api/"):
        # An API client says which language it reads; else the user's, then the brand's.
        asked = _accepted_locale()
        if asked is not None:
            return asked
    chosen = session.get(SESSION_LOCALE)
    if chosen in SUPPORTED_LOCALES:
        return chosen
    user = current_user()
    if user is not None:
        profile = _profile(db_session(), user.id)
        if profile is not None and profile.locale in SUPPORTED_LOCALES:
            return profile.locale
        brand = _brand_for(user, profile)
        if brand is not None:
            return brand.default_locale
    else:
        # Signed out (the login page): an installation with one brand speaks its language,
        # as the app will after signing in; with several, the browser's.
        only = _only_brand()
        if only is not None:
            return only.default_locale
    return _accepted_locale() or "en"


def _only_brand() -> Brand | None:
    """The installation's brand when there is exactly one (cached for the request)."""
    if "crm_only_brand" not in g:
        brands = db_session().scalars(select(Brand).order_by(Brand.id).limit(2)).all()
        g.crm_only_brand = brands[0] if len(brands) == 1 else None
    return g.crm_only_brand


def _accepted_locale() -> str | None:
    """The supported language the request's ``Accept-Language`` prefers, if it names one:
    any Chinese tag counts (``zh-Hant-HK`` is Traditional, ``zh`` Simplified), ``*`` and
    unsupported languages do not."""
    if not request.headers.get("Accept-Language"):
        return None
    for tag, _quality in request.accept_languages:  # best first
        low = tag.lower().replace("_", "-")
        if low == "en" or low.startswith("en-"):
            return "en"
        if low == "zh" or low.startswith("zh-"):
            traditional = any(p in low.split("-") for p in ("hant", "tw", "hk", "mo"))
            return "zh_Hant_TW" if traditional else "zh_Hans_CN"
    return None


def _brand_for(user: Any, profile: UserBrand | None) -> Brand | None:
    sess = db_session()
    if is_super_admin(user):
        wanted = session.get(SESSION_BRAND) or (profile.brand_id if profile else None)
        brand = sess.get(Brand, wanted) if wanted else None
        return brand or sess.scalar(select(Brand).order_by(Brand.code).limit(1))
    if profile is None or profile.brand_id is None:
        return None
    return sess.get(Brand, profile.brand_id)


def crm_ctx() -> Ctx:
    """The context for this request's user (cached for the request)."""
    if "crm_ctx" in g:
        return g.crm_ctx
    user = current_user()
    if user is None:
        raise NoBrand("not logged in")
    sess = db_session()
    brand = _brand_for(user, _profile(sess, user.id))
    if brand is None:
        raise NoBrand(user.username)
    rep_scope: int | None = None
    if is_rep_only(user):
        rep_scope = sess.scalar(select(Rep.id).where(Rep.brand_id == brand.id,
                                                     Rep.user_id == user.id)) or -1
    locale = select_locale()
    set_locale(locale)
    ctx = Ctx(session=sess, brand=brand, user=user.username, locale=locale,
              registry=runtime().registry, rep_scope_id=rep_scope)
    clock = current_app.config.get("DIRECTCRM_CLOCK")
    if clock is not None:
        ctx.clock = clock
    sess.rollback()  # end the read transaction; services open their own write ones
    g.crm_ctx = ctx
    return ctx


def module_ctx(module: str) -> Ctx:
    """:func:`crm_ctx` for a module's page or endpoint: a brand that has not enabled
    ``module`` gets NotFound (404), like any page it does not have."""
    from core.errors import NotFound
    from core.i18n import _

    ctx = crm_ctx()
    if module not in ctx.enabled_modules:
        raise NotFound(_("The %(module)s module is not enabled for brand %(brand)s.",
                         module=module, brand=ctx.brand.code if ctx.brand else "-"))
    return ctx


def page_url(endpoint: str, **values: Any) -> str | None:
    """The URL of a page when rendering inside the web app; None elsewhere (the CLI, a
    PDF) or when the endpoint is not registered (a module's section linking to its page)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    if not has_request_context():
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def teammates(ctx: Ctx) -> list[str]:
    """User names of the brand's staff who share a role with the current user, the user
    included: "my team" on a work queue. Only the current user outside a request."""
    user = current_user()
    role_ids = [r.id for r in getattr(user, "roles", [])] if user is not None else []
    if not role_ids:
        return [ctx.user]
    stmt = text("SELECT DISTINCT u.username FROM ab_user u "
                "JOIN ab_user_role ur ON ur.user_id = u.id "
                "JOIN user_brands b ON b.user_id = u.id "
                "WHERE ur.role_id IN :roles AND b.brand_id = :brand").bindparams(
        bindparam("roles", expanding=True))
    names = set(ctx.session.scalars(stmt, {"roles": role_ids, "brand": ctx.brand_id}))
    return sorted(names | {ctx.user})


def rep_of_user(ctx: Ctx) -> Rep | None:
    """The rep row of the logged-in rep user, if any."""
    if ctx.rep_scope_id is None or ctx.rep_scope_id < 0:
        return None
    return ctx.session.get(Rep, ctx.rep_scope_id)


def as_own_rep(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """For a rep user, record the work under their own rep (whatever the input says)."""
    rep = rep_of_user(ctx)
    if ctx.rep_scope_id is not None:
        data = {**data, "rep_ref": rep.rep_ref if rep else "\x00"}
    return data
