"""The home page (the dashboard), the brand switch and the 'no brand' page."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, session, url_for
from flask_appbuilder import IndexView, expose
from flask_login import login_required

from core.models import Brand
from core.web.context import (
    SESSION_BRAND,
    current_user,
    db_session,
    is_rep_only,
    is_super_admin,
)


class CrmIndexView(IndexView):
    """``/``: the dashboard for a logged-in user, else the login page."""

    @expose("/")
    def index(self) -> Any:
        if current_user() is None:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        if is_rep_only(current_user()):
            return redirect(url_for("TodayView.index"))  # a rep's day starts with their list
        return redirect(url_for("DashboardView.index"))

    @expose("/no-brand")
    @login_required
    def no_brand(self) -> Any:
        return self.render_template("crm/no_brand.html"), 403

    @expose("/switch-brand", methods=["POST"])
    @login_required
    def switch_brand(self) -> Any:
        user = current_user()
        if user is None or not is_super_admin(user):
            abort(404)
        brand = db_session().get(Brand, int(request.form.get("brand_id") or 0))
        if brand is None:
            abort(404)
        session[SESSION_BRAND] = brand.id
        return redirect(url_for("DashboardView.index"))


def _safe_back(default: str) -> str:
    """The page the user came from when it is on this site, else ``default``."""
    from urllib.parse import urlparse

    ref = request.referrer
    if ref and urlparse(ref).netloc == request.host:
        return ref
    return default


class LanguageView(IndexView):
    """``/language/<locale>``: remember the language for this session and go back."""

    route_base = "/language"
    default_view = "choose"

    @expose("/<string:locale>")
    def choose(self, locale: str) -> Any:
        from flask_babel import refresh

        from core.i18n import SUPPORTED_LOCALES

        if locale not in SUPPORTED_LOCALES:
            abort(404)
        session["locale"] = locale
        refresh()
        return redirect(_safe_back(url_for("CrmIndexView.index")))
