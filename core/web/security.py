"""Flask-AppBuilder security: our login page, login rate limits, audit of logins."""

from __future__ import annotations

import time
from typing import Any

from flask import request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import AuthDBView

from core.i18n import gettext_core as _
from core.users.login_limits import record_attempt
from core.users.sessions import is_revoked, revoke_sessions
from core.web.account import ResetMyPasswordView, ResetPasswordView
from core.web.api.base import ApiErrors
from core.web.errors import api_error, api_locale


class CrmAuthDBView(AuthDBView):
    """FAB's database login, rendered with the directcrm look."""

    login_template = "crm/login.html"

    @property  # type: ignore[override]
    def invalid_login_message(self) -> str:
        """In the user's language (FAB has no Traditional Chinese catalog)."""
        from core.i18n import gettext_core as _

        return _("Invalid login. Please try again.")


class CrmSecurityApi(ApiErrors, SecurityApi):
    """FAB's ``/api/v1/security`` (login, refresh) with the API's one error body."""

    def response_401(self) -> Any:
        """A wrong user name or password."""
        api_locale()
        return api_error(401, "invalid_login", _("Invalid login. Please try again."))


class CrmSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager with the directcrm login page."""

    authdbview = CrmAuthDBView
    security_api = CrmSecurityApi
    resetmypasswordview = ResetMyPasswordView
    resetpasswordview = ResetPasswordView

    def register_views(self) -> None:
        """Only the security pages the product uses, each in its own layout: the login
        (and logout), changing one's password, and the super admin setting a user's
        password. FAB's user, role, group and statistics screens are not registered: staff
        are managed at ``/staff`` (with their brand, rep and language, and the password
        policy) and roles are fixed by ``core.web.roles``, so those bare pages would only be
        a second, unchecked way in."""
        from flask import current_app

        if not current_app.config.get("FAB_ADD_SECURITY_VIEWS", True):
            return
        self.appbuilder.add_api(self.security_api)
        self.user_view = None
        self.auth_view = self.authdbview()
        self.appbuilder.add_view_no_menu(self.resetpasswordview())
        self.appbuilder.add_view_no_menu(self.resetmypasswordview())
        self.appbuilder.add_view_no_menu(self.auth_view)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(self.auth_view.blueprint)

    def create_jwt_manager(self, app: Any) -> Any:
        """FAB's JWT manager, answering 401 (not flask-jwt-extended's 422) for a token
        that is malformed or whose signature does not verify."""
        manager = super().create_jwt_manager(app)

        @manager.additional_claims_loader
        def _issued_at(_identity: Any) -> dict[str, float]:
            # The standard iat has whole seconds; a revocation must not depend on which
            # side of a second boundary a login right after a logout falls.
            return {"crm_iat": time.time()}

        @manager.token_in_blocklist_loader
        def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
            return is_revoked(self.session(), int(payload["sub"]), payload.get("crm_iat"))

        # Every refusal of a token is a 401 in the API's one error body.
        @manager.revoked_token_loader
        def _revoked_answer(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
            api_locale()
            return api_error(401, "revoked_token", _("The access token was revoked (logout "
                                                     "or new password); log in again."))

        @manager.invalid_token_loader
        def _invalid(reason: str) -> Any:
            api_locale()
            return api_error(401, "invalid_token",
                             _("The access token is not valid; log in again."))

        @manager.unauthorized_loader
        def _missing(reason: str) -> Any:
            api_locale()
            return api_error(401)

        @manager.expired_token_loader
        def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
            api_locale()
            return api_error(401, "token_expired", _("The access token has expired; refresh "
                                                     "it or log in again."))

        @manager.needs_fresh_token_loader
        def _not_fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
            api_locale()
            return api_error(401, "fresh_token_required",
                             _("This needs a fresh login; log in again."))

        @manager.user_lookup_error_loader
        def _no_user(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
            api_locale()
            return api_error(401, "invalid_token",
                             _("The access token is not valid; log in again."))

        @manager.token_verification_failed_loader
        def _bad_claims(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
            api_locale()
            return api_error(401, "invalid_token",
                             _("The access token is not valid; log in again."))

        return manager

    def reset_password(self, userid: int, password: str) -> None:
        """A new password ends every session and token of the user."""
        super().reset_password(userid, password)
        revoke_sessions(self.session(), userid)

    def on_user_logout(self, user: Any) -> None:
        """Logging out ends every session and token of the user, not only this cookie."""
        super().on_user_logout(user)
        revoke_sessions(self.session(), user.id)

    def auth_user_db(self, username: str, password: str) -> Any:
        user = super().auth_user_db(username, password)
        success = user is not None and user is not False
        _audit_login(self.session(), username, success)
        record_attempt(self.session(), username or "", request.remote_addr if request else None,
                       success)
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
