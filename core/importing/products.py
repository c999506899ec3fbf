"""Products: one CSV row per sku."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.bulk import chunks, insert_many
from core.events import ProductDraft
from core.importing.base import Kind, Unit
from core.models import Product
from core.schemas import ProductSchema
from core.services.products import product_problems


class ProductsKind(Kind):
    name = "products"
    schema = ProductSchema
    key_column = "sku"

    def lookup(self, units: Sequence[Unit]) -> None:
        refs = sorted({u.key for u in units if u.key})
        self.existing: set[str] = set()
        for chunk in chunks(refs):
            self.existing.update(self.ctx.session.scalars(select(Product.sku).where(
                Product.brand_id == self.ctx.brand_id, Product.sku.in_(chunk))))

    def check(self, unit: Unit) -> None:
        if not self.check_single_row(unit) or unit.errors:
            return
        if unit.key in self.existing:
            unit.skip = True
            return
        values = unit.rows[0].values
        for problem in product_problems(self.ctx, [ProductDraft(
                sku=values["sku"], name=values["name"], category=values["category"],
                list_price=values["list_price"], active=values.get("active", True))]).get(0, []):
            if problem.blocking:
                unit.error(unit.rows[0], problem.field or "sku",
                           f"[{problem.code}] {problem.message}")
        if not unit.errors:
            unit.payload = values

    def write(self, payloads: Sequence[dict[str, Any]]) -> None:
        now = self.ctx.now()
        insert_many(self.ctx, Product.__table__, [
            {"brand_id": self.ctx.brand_id, "sku": v["sku"], "name": v["name"],
             "category": v["category"], "list_price": v["list_price"],
             "replenish_days": v.get("replenish_days"), "active": v.get("active", True),
             "created_at": now} for v in payloads])
        self.result.count("products", len(payloads))
