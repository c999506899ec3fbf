"""Brands: the list (super admin: all, to switch), modules enabled per brand."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access

from core.errors import DomainError
from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Brand
from core.services.brands import create_brand, list_brands, update_brand
from core.services.modules import disable_modules, enable_modules, module_statuses
from core.web.context import crm_ctx, current_user, is_super_admin
from core.web.views.base import CrmView, Field, not_found_on_missing

FIELDS = [
    Field("code", N_("Code"), required=True),
    Field("name", N_("Name"), required=True),
    Field("currency", N_("Currency"), help=N_("ISO 4217 code, e.g. CNY or TWD.")),
    Field("timezone", N_("Timezone"), help=N_("IANA timezone, e.g. Asia/Shanghai.")),
    Field("jurisdiction", N_("Jurisdiction"), "select",
          choices=[("CN", "CN"), ("TW", "TW"), ("US", "US"), ("EU", "EU")]),
    Field("locale", N_("Default language"), "select",
          choices=[("zh_Hans_CN", "简体中文"), ("zh_Hant_TW", "繁體中文"), ("en", "English")]),
]


class BrandView(CrmView):
    """The brand screens."""

    route_base = "/brands"
    class_permission_name = "Brands"
    method_permission_name = {**CrmView.method_permission_name, "module": "write"}

    def _visible(self) -> list[Brand]:
        ctx = crm_ctx()
        user = current_user()
        return list_brands(ctx) if is_super_admin(user) else [ctx.brand]

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        return self.page("crm/brands/list.html", brands=self._visible(),
                         modules=module_statuses(ctx), title=_("Brands"),
                         is_super=is_super_admin(current_user()))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        if not is_super_admin(current_user()):
            abort(404)
        ctx = crm_ctx()
        return self.save(FIELDS, lambda data: create_brand(ctx.for_brand(ctx.brand), data),
                         "crm/form.html", lambda b: url_for(".list"), _("New brand"),
                         {"currency": "CNY", "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                          "locale": "zh_Hans_CN"}, back=url_for(".list"))

    @expose("/edit", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self) -> Any:
        """Change the current brand (the brand switch picks which, for a super admin)."""
        ctx = crm_ctx()
        b = ctx.brand
        return self.save(FIELDS[1:], lambda data: update_brand(ctx, data), "crm/form.html",
                         lambda _b: url_for(".list"), _("Edit brand %(code)s", code=b.code),
                         {"name": b.name, "currency": b.currency, "timezone": b.timezone,
                          "jurisdiction": b.jurisdiction.value, "locale": b.default_locale},
                         back=url_for(".list"))

    @expose("/module", methods=["POST"])
    @has_access
    @not_found_on_missing
    def module(self) -> Any:
        ctx = crm_ctx()
        name = request.form.get("module", "")
        try:
            if request.form.get("enable") == "1":
                enable_modules(ctx, [name])
                flash(_("Module %(name)s enabled.", name=name), "success")
            else:
                disable_modules(ctx, [name])
                flash(_("Module %(name)s disabled.", name=name), "success")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".list"))
