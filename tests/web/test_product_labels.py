"""The products list speaks the user's language: category names instead of codes, and
the sale flag is "on sale" (在售), not the reps' "active" (在职)."""

from __future__ import annotations

from tests.web.conftest import app, login, seeded  # noqa: F401  (fixtures)


def test_categories_and_the_sale_flag_are_labelled(app, login, ctx_a):  # noqa: F811
    from core.services.products import create_product

    create_product(ctx_a, {"sku": "HF1", "name": "胶原饮", "category": "health_food",
                           "list_price": "99.00"})
    client = login("boss_a")
    client.get("/language/zh_Hans_CN")
    html = client.get("/products/list/").get_data(as_text=True)
    assert "保健食品" in html and ">health_food<" not in html
    assert "在售" in html and "在职" not in html
    client.get("/language/en")
    html = client.get("/products/list/?category=health_food").get_data(as_text=True)
    assert "Health food" in html and "On sale" in html and "胶原饮" in html
