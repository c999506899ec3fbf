"""Products: the brand's catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Ctx
from core.errors import DomainError
from core.i18n import _
from core.models import Product
from core.schemas import ProductSchema, load_or_raise
from core.services.scoping import ref_map


def create_product(ctx: Ctx, data: Mapping[str, Any]) -> Product:
    """Add a product to the catalogue; the sku is unique within the brand."""
    values = load_or_raise(ProductSchema(), data)
    with ctx.write() as session:
        if ref_map(ctx, Product, {values["sku"]}):
            raise DomainError(_("A product with sku %(sku)s already exists.", sku=values["sku"]),
                              code="duplicate")
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
        for key, value in values.items():
            setattr(product, key, value)
    return product
