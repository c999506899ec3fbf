"""Products: the brand's catalogue."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Product
from core.services import browse
from core.services.products import create_product, update_product
from core.services.scoping import get_by_id
from core.web import labels
from core.web.context import crm_ctx
from core.web.views.base import CrmView, Field, not_found_on_missing


def product_fields(new: bool) -> list[Field]:
    """The product form."""
    return [
        *([Field("sku", N_("SKU"), required=True)] if new else []),
        Field("name", N_("Name"), required=new),
        Field("category", N_("Category"), required=new),
        Field("list_price", N_("List price"), "money", required=new),
        Field("replenish_days", N_("Replenishment cycle (days)"), "number"),
        Field("active", N_("On sale"), "select",
              choices=lambda: [("true", _("Yes")), ("false", _("No"))]),
    ]


class ProductView(CrmView):
    """The product screens."""

    route_base = "/products"
    class_permission_name = "Products"

    def _search(self, page: int, per_page: int = 25) -> Any:
        return browse.search_products(crm_ctx(), q=request.args.get("q"),
                                      category=request.args.get("category"), page=page,
                                      per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted products as CSV."""
        return self.csv_export("products", [
            (N_("SKU"), lambda p: p.sku), (N_("Name"), lambda p: p.name),
            (N_("Category"), lambda p: labels.label("category", p.category)),
            (N_("List price"), lambda p: p.list_price),
            (N_("Replenish after (days)"), lambda p: p.replenish_days),
            (N_("On sale"), lambda p: _("Yes") if p.active else _("No"))], self._search)

    @expose("/pick")
    @has_access
    @not_found_on_missing
    def pick(self) -> Any:
        """Suggestions for the product picker of the forms (JSON)."""
        return self.suggestions("products")

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        result = self._search(self.args_int("page"))
        return self.page("crm/products/list.html", result=result,
                         categories=browse.product_categories(ctx), title=_("Products"))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        return self.save(product_fields(True), lambda data: create_product(ctx, data),
                         "crm/form.html", lambda p: url_for(".list"), _("New product"),
                         {"active": "true"}, back=url_for(".list"))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self, pk: int) -> Any:
        ctx = crm_ctx()
        p = get_by_id(ctx, Product, pk)
        values = {"name": p.name, "category": p.category, "list_price": str(p.list_price),
                  "replenish_days": p.replenish_days or "",
                  "active": "true" if p.active else "false"}
        sku = p.sku
        return self.save(product_fields(False), lambda data: update_product(ctx, sku, data),
                         "crm/form.html", lambda _p: url_for(".list"),
                         _("Edit %(name)s", name=p.name), values, back=url_for(".list"))
