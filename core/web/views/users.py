"""Users: the brand's logins (the super admin: every brand's), and adding one."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.services.brands import list_brands
from core.web import roles
from core.web.context import crm_ctx, current_user, is_super_admin
from core.web.users import create_user, list_users
from core.web.views.base import CrmView, Field, not_found_on_missing, rows_page, sorted_rows

ROLE_LABELS = {roles.SUPER_ADMIN: N_("Super admin"), roles.BRAND_ADMIN: N_("Brand admin"),
               roles.MANAGER: N_("Manager"), roles.REP: N_("Rep"),
               roles.CUSTOMER_SERVICE: N_("Customer service"),
               roles.COMPLIANCE_OFFICER: N_("Compliance officer")}


def _fields(super_admin: bool) -> list[Field]:
    ctx = crm_ctx()
    keys = [k for k, name in roles.ROLE_KEYS.items()
            if super_admin or name != roles.SUPER_ADMIN]
    fields = [
        Field("username", N_("Username"), required=True),
        Field("password", N_("Password"), required=True,
              help=N_("At least 8 characters; the user can keep it or ask for a new one.")),
        Field("role", N_("Role"), "select", required=True,
              choices=lambda: [(k, _(ROLE_LABELS[roles.ROLE_KEYS[k]])) for k in keys]),
        Field("rep_ref", N_("Rep (for a rep login)"), "picker", picker="RepView.pick",
              help=N_("Type part of a rep's name or ref.")),
        Field("locale", N_("Language"), "select",
              choices=[("", "—"), ("zh_Hans_CN", "简体中文"), ("zh_Hant_TW", "繁體中文"),
                       ("en", "English")]),
    ]
    if super_admin:
        fields.insert(3, Field("brand", N_("Brand"), "select",
                               choices=lambda: [(b.code, b.name) for b in list_brands(ctx)]))
    return fields


class UserView(CrmView):
    """The user screens."""

    route_base = "/staff"
    class_permission_name = "Users"

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        super_admin = is_super_admin(current_user())
        return self.page("crm/users/list.html", users=self._users(), role_labels=ROLE_LABELS,
                         can_set_password=super_admin, title=_("Users"))

    def _users(self) -> list[Any]:
        ctx = crm_ctx()
        brand_id = None if is_super_admin(current_user()) else ctx.brand_id
        users = list_users(current_app._get_current_object(), brand_id)  # type: ignore[attr-defined]
        keys: dict[str, Any] = {
            "username": lambda u: u.username,
            "role": lambda u: ", ".join(_(ROLE_LABELS.get(r, r)) for r in u.roles),
            "brand": lambda u: u.brand_code, "rep": lambda u: u.rep_ref,
            "login": lambda u: u.last_login}
        return sorted_rows(users, keys, request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The users as CSV, in the list's order (roles by their labels; no passwords)."""
        users = self._users()
        return self.csv_export("users", [
            (N_("Username"), lambda u: u.username),
            (N_("Role"), lambda u: ", ".join(_(ROLE_LABELS.get(r, r)) for r in u.roles)),
            (N_("Brand"), lambda u: u.brand_code), (N_("Rep"), lambda u: u.rep_ref),
            (N_("Last login"), lambda u: u.last_login)],
            lambda page, per_page: rows_page(users, page, per_page))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        super_admin = is_super_admin(current_user())
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def act(data: dict[str, Any]) -> int:
            role = data.get("role", "")
            if not super_admin and roles.ROLE_KEYS.get(role) == roles.SUPER_ADMIN:
                role = ""  # a brand admin cannot create super admins
            brand = data.get("brand") if super_admin else ctx.brand.code
            return create_user(app, data.get("username", ""), data.get("password", ""), role,
                               brand_code=brand, rep_ref=data.get("rep_ref"),
                               locale=data.get("locale"))

        return self.save(_fields(super_admin), act, "crm/form.html",
                         lambda _uid: url_for(".list"), _("New user"),
                         {"role": "manager", "brand": ctx.brand.code},
                         back=url_for(".list"))
