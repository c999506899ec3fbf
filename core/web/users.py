"""Staff users: create a login with a role, in a brand (and tied to a rep for reps).

``create_user`` is the one way to add a user (``directcrm init`` for the first super
admin, ``directcrm user create``, and ``directcrm demo`` for the demo logins)::

    from core.web.users import create_user
    create_user(runtime, "li.na", "secret-pass", role="manager", brand_code="DEMO")
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.i18n import gettext_core as _
from core.models import Brand, Rep
from core.runtime import Runtime
from core.users.models import UserBrand
from core.users.passwords import password_problems
from core.web import roles


def generate_password() -> str:
    """A random password for a new admin when none is given."""
    return secrets.token_urlsafe(12)


def create_user(app_or_runtime: Flask | Runtime, username: str, password: str, role: str,
                brand_code: str | None = None, rep_ref: str | None = None,
                first_name: str | None = None, last_name: str = "",
                email: str | None = None, locale: str | None = None) -> int:
    """Create a staff login; returns its user id.

    ``role`` is a key (``super_admin``, ``brand_admin``, ``manager``, ``rep``,
    ``customer_service``, ``compliance_officer``) or a role name. Every role but the
    super admin needs ``brand_code``; a rep also needs ``rep_ref`` (the rep row gets the
    user id). The password is hashed by Flask-AppBuilder. All or nothing.
    """
    errors: dict[str, list[str]] = {}
    try:
        role_name = roles.role_name(role)
    except KeyError:
        role_name = ""
        errors["role"] = [_("Must be one of: %(choices)s.", choices=", ".join(roles.ROLE_KEYS))]
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        errors["username"] = [_("Use 1 to 64 characters without spaces.")]
    problems = password_problems(password, username)
    if problems:
        errors["password"] = problems
    if role_name and role_name != roles.SUPER_ADMIN and not brand_code:
        errors["brand"] = [_("Missing data for required field.")]
    if role_name == roles.REP and not rep_ref:
        errors["rep_ref"] = [_("A rep login must name its rep (rep_ref).")]
    if errors:
        raise ValidationFailed(errors)
    app = app_or_runtime if isinstance(app_or_runtime, Flask) else _app(app_or_runtime)
    with app.app_context():
        return _create(app, username, password, role_name, brand_code, rep_ref,
                       first_name or username, last_name, email or f"{username}@localhost",
                       locale)


def _app(rt: Runtime) -> Flask:
    from core.web.app import create_app

    return create_app(rt)


def _create(app: Flask, username: str, password: str, role_name: str, brand_code: str | None,
            rep_ref: str | None, first_name: str, last_name: str, email: str,
            locale: str | None) -> int:
    sm: Any = app.appbuilder.sm  # type: ignore[attr-defined]
    rt: Runtime = app.extensions["directcrm"]
    session = sm.session
    if sm.find_user(username=username) is not None:
        raise DomainError(_("A user named %(name)s already exists.", name=username),
                          code="duplicate")
    brand = rep = None
    if brand_code:
        brand = session.scalar(select(Brand).where(Brand.code == brand_code))
        if brand is None:
            raise ValidationFailed({"brand": [_("No brand with code %(code)s.",
                                                code=brand_code)]})
    if rep_ref:
        rep = session.scalar(select(Rep).where(Rep.brand_id == brand.id,
                                               Rep.rep_ref == rep_ref)) if brand else None
        if rep is None:
            raise ValidationFailed({"rep_ref": [_("No rep with reference %(ref)s.",
                                                  ref=rep_ref)]})
    role = sm.find_role(role_name) or sm.add_role(role_name)
    user = sm.add_user(username, first_name, last_name, email, role, password=password,
                       commit=False)
    if not user:
        session.rollback()
        raise DomainError(_("The user could not be created."), code="user_error")
    session.flush()
    from core.context import utcnow

    session.add(UserBrand(user_id=user.id, brand_id=brand.id if brand else None,
                          locale=locale, created_at=utcnow()))
    if rep is not None:
        rep.user_id = user.id
    session.commit()
    del rt
    return int(user.id)


def ensure_admin(rt: Runtime, password: str | None = None, username: str = "admin"
                 ) -> tuple[bool, str]:
    """Create the super admin ``username`` unless it exists; returns (created, password)."""
    from core.web.app import create_app

    app = create_app(rt)
    with app.app_context():
        if app.appbuilder.sm.find_user(username=username) is not None:  # type: ignore[attr-defined]
            return False, ""
    password = password or generate_password()
    create_user(app, username, password, roles.SUPER_ADMIN)
    return True, password


DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = (  # username, role, rep_ref
    ("admin", roles.SUPER_ADMIN, None),
    ("manager", "manager", None),
    ("rep", "rep", "R001"),
    ("service", "customer_service", None),
    ("compliance", "compliance_officer", None),
)


def ensure_demo_users(rt: Runtime, brand_code: str, password: str = DEMO_PASSWORD
                      ) -> list[str]:
    """Create the demo logins for ``brand_code`` (all with ``password``) unless they
    exist; returns the usernames created. The rep login is tied to rep ``R001``."""
    import logging

    from flask_appbuilder.const import LOGMSG_WAR_SEC_NO_USER

    from core.web.app import create_app

    def not_the_no_user_hint(record: logging.LogRecord) -> bool:
        # FAB's "No user yet created, use flask fab command" is wrong here: the logins
        # are created right below.
        return record.getMessage() != LOGMSG_WAR_SEC_NO_USER

    fab_log = logging.getLogger("flask_appbuilder.security.manager")
    fab_log.addFilter(not_the_no_user_hint)
    try:
        app = create_app(rt)
    finally:
        fab_log.removeFilter(not_the_no_user_hint)
    created = []
    for username, role, rep_ref in DEMO_USERS:
        with app.app_context():
            exists = app.appbuilder.sm.find_user(username=username) is not None  # type: ignore[attr-defined]
        if exists:
            continue
        create_user(app, username, password, role,
                    brand_code=None if role == roles.SUPER_ADMIN else brand_code,
                    rep_ref=rep_ref)
        created.append(username)
    return created


@dataclass(frozen=True)
class StaffUser:
    """A login as listed on the Users screen."""

    id: int
    username: str
    roles: tuple[str, ...]
    brand_code: str | None
    rep_ref: str | None
    active: bool
    last_login: Any


def list_users(app: Flask, brand_id: int | None) -> list[StaffUser]:
    """Logins of one brand (``brand_id``), or of every brand when it is None."""
    from flask_appbuilder.security.sqla.models import User

    sm: Any = app.appbuilder.sm  # type: ignore[attr-defined]
    session = sm.session
    stmt = (select(User, UserBrand.brand_id).outerjoin(UserBrand, UserBrand.user_id == User.id)
            .order_by(User.username))
    if brand_id is not None:
        stmt = stmt.where(UserBrand.brand_id == brand_id)
    codes = dict(session.execute(select(Brand.id, Brand.code)).all())
    reps = dict(session.execute(select(Rep.user_id, Rep.rep_ref).where(
        Rep.user_id.is_not(None))).all())
    return [StaffUser(id=u.id, username=u.username, roles=tuple(r.name for r in u.roles),
                      brand_code=codes.get(b), rep_ref=reps.get(u.id), active=bool(u.active),
                      last_login=u.last_login)
            for u, b in session.execute(stmt).all()]
