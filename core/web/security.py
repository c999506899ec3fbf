"""Flask-AppBuilder security: our login page, login rate limits, audit of logins."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import AuthDBView


class CrmAuthDBView(AuthDBView):
    """FAB's database login, rendered with the directcrm look."""

    login_template = "crm/login.html"

    @property  # type: ignore[override]
    def invalid_login_message(self) -> str:
        """In the user's language (FAB has no Traditional Chinese catalog)."""
        from core.i18n import gettext_core as _

        return _("Invalid login. Please try again.")


class CrmSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager with the directcrm login page."""

    authdbview = CrmAuthDBView

    def register_views(self) -> None:
        super().register_views()
        # FAB limits only the form login; the JWT login gets the same limit here.
        if self.is_auth_limited:
            for name, blueprint in current_app.blueprints.items():
                if name.lower() == "securityapi":
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(blueprint)

    def create_jwt_manager(self, app: Any) -> Any:
        """FAB's JWT manager, answering 401 (not flask-jwt-extended's 422) for a token
        that is malformed or whose signature does not verify."""
        manager = super().create_jwt_manager(app)

        @manager.invalid_token_loader
        def _invalid(reason: str) -> Any:
            from flask import jsonify

            from core.i18n import gettext_core as _

            return jsonify(message=_("The access token is not valid; log in again."),
                           error="invalid_token"), 401

        return manager

    def auth_user_db(self, username: str, password: str) -> Any:
        user = super().auth_user_db(username, password)
        _audit_login(self.session(), username, user is not None and user is not False)
        return user


def _audit_login(session: Any, username: str, success: bool) -> None:
    """Record the login attempt in the audit trail (kept even when the login fails)."""
    from sqlalchemy import select

    from core import audit
    from core.users.models import UserBrand

    brand_id = None
    if success:
        brand_id = session.scalar(select(UserBrand.brand_id).join(
            User, User.id == UserBrand.user_id).where(User.username == username))
    audit.record_login(session, username, success, brand_id,
                       {"ip": request.remote_addr} if request else None)
