"""Products: the brand's catalogue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.context import Ctx
from core.errors import DomainError
from core.events import Problem, ProductDraft
from core.i18n import _
from core.models import Product
from core.schemas import ProductSchema, load_or_raise
from core.services.decisions import problems_by_item, refuse_if_blocking
from core.services.scoping import ref_map


def product_problems(ctx: Ctx, drafts: Sequence[ProductDraft]) -> dict[int, list[Problem]]:
    """``{index in drafts: problems}`` from the enabled modules (``crm_validate_products``);
    the one check of products for forms, the API and the import."""
    return problems_by_item(ctx.hooks.crm_validate_products(ctx=ctx, products=list(drafts)))


def _refuse_blocking(ctx: Ctx, draft: ProductDraft) -> None:
    refuse_if_blocking(product_problems(ctx, [draft]).get(0, []))


def _draft(values: Mapping[str, Any], product: Product | None = None) -> ProductDraft:
    def pick(key: str) -> Any:
        return values[key] if key in values else getattr(product, key)
    return ProductDraft(sku=pick("sku"), name=pick("name"), category=pick("category"),
                        list_price=pick("list_price"), active=bool(
                            values.get("active", product.active if product else True)))


def create_product(ctx: Ctx, data: Mapping[str, Any]) -> Product:
    """Add a product to the catalogue; the sku is unique within the brand."""
    values = load_or_raise(ProductSchema(), data)
    with ctx.write() as session:
        if ref_map(ctx, Product, {values["sku"]}):
            raise DomainError(_("A product with sku %(sku)s already exists.", sku=values["sku"]),
                              code="duplicate")
        _refuse_blocking(ctx, _draft(values))
        product = Product(brand_id=ctx.brand_id, created_at=ctx.now(), **values)
        session.add(product)
        session.flush()
    return product


def update_product(ctx: Ctx, sku: str, data: Mapping[str, Any]) -> Product:
    """Change a product's name, category, price, cycle or active flag (not its sku)."""
    from core.services.scoping import get_by_ref

    values = load_or_raise(ProductSchema(partial=True), data)
    values.pop("sku", None)
    with ctx.write():
        product = get_by_ref(ctx, Product, sku)
        if {"category", "name", "list_price", "active"} & set(values):
            _refuse_blocking(ctx, _draft(values, product))
        for key, value in values.items():
            setattr(product, key, value)
    return product
