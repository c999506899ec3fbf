"""DS10: one set of category codes, and a blocking rule blocks ("one contract" defect 6)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.catalogue import PRODUCT_CATEGORIES
from core.context import Ctx
from core.errors import RuleViolation
from core.importing.runner import import_csv
from core.models import Product
from core.services.modules import enable_modules
from core.services.products import create_product, update_product
from plugins.compliance.services import set_mode
from tests.core.importing_helpers import PRODUCT_HEADER, write_csv

PACKS = Path(__file__).resolve().parents[3] / "plugins" / "compliance" / "rulepacks"


def test_the_cn_pack_permits_exactly_the_catalogue_codes() -> None:
    pack = tomllib.loads((PACKS / "CN.toml").read_text(encoding="utf-8"))
    [ds10] = [r for r in pack["rules"] if r["id"] == "DS10"]
    assert sorted(ds10["parameters"]["categories"]) == sorted(PRODUCT_CATEGORIES)


def test_demo_products_use_the_catalogue_codes() -> None:
    from core.demo import PRODUCTS

    assert {p[2] for p in PRODUCTS} == set(PRODUCT_CATEGORIES)


def test_a_product_outside_the_categories_is_refused_on_block(ctx_a: Ctx, tmp_path) -> None:
    enable_modules(ctx_a, ["compliance"])
    with pytest.raises(RuleViolation) as refused:
        create_product(ctx_a, {"sku": "W1", "name": "Crossbow", "category": "weapons",
                               "list_price": "999.00"})
    assert refused.value.rule_id == "DS10" and "weapons" in refused.value.message
    create_product(ctx_a, {"sku": "K1", "name": "炒锅", "category": "kitchenware",
                           "list_price": "399.00"})
    with pytest.raises(RuleViolation):
        update_product(ctx_a, "K1", {"category": "weapons"})
    result = import_csv(ctx_a, "products", write_csv(tmp_path / "p.csv", PRODUCT_HEADER, [
        ["P1", "面霜", "cosmetics", "199.00", "60"],
        ["P2", "Crossbow", "weapons", "999.00", ""]]))
    assert not result.committed
    assert [(e.line, e.column) for e in result.errors] == [(3, "category")]
    ctx_a.session.rollback()
    assert {p.sku for p in ctx_a.session.query(Product)} == {"K1"}
    # Switched to warn, the brand may sell it (the monthly check still reports it).
    set_mode(ctx_a, "DS10", "warn")
    create_product(ctx_a, {"sku": "W1", "name": "Crossbow", "category": "weapons",
                           "list_price": "999.00"})


def test_a_tw_brand_is_not_bound_by_the_cn_categories(ctx_b: Ctx) -> None:
    enable_modules(ctx_b, ["compliance"])
    create_product(ctx_b, {"sku": "S1", "name": "Supplement", "category": "supplements",
                           "list_price": "100.00"})
