"""Customer search: substring of name, ref or e-mail in any case, exact phone, counts
and pages, brand scoping. The expected sets are worked out from the seeded names."""

from __future__ import annotations

from core.services.browse import search_customers
from core.services.customers import create_customer, update_customer

PEOPLE = [
    ("C-001", "Anna Smith", "anna.smith@example.com", "13800000001"),
    ("C-002", "Bob SMITHERS", None, "13800000002"),
    ("C-003", "王小明", "wxm@example.cn", "13800000003"),
    ("C-004", "王芳", None, "13800000004"),
    ("C-005", "100% Natural Ltd", "sales@natural.example", "13800000005"),
]


def seed(ctx) -> None:
    for ref, name, email, phone in PEOPLE:
        data = {"customer_ref": ref, "name": name, "phone": phone}
        if email:
            data["email"] = email
        create_customer(ctx, data)


def refs(page) -> list[str]:
    return sorted(c.customer_ref for c in page.items)


def test_substring_of_name_ref_or_email_in_any_case(ctx_a):
    seed(ctx_a)
    assert refs(search_customers(ctx_a, q="smith")) == ["C-001", "C-002"]
    assert refs(search_customers(ctx_a, q="SMITH")) == ["C-001", "C-002"]
    assert refs(search_customers(ctx_a, q="王")) == ["C-003", "C-004"]
    assert refs(search_customers(ctx_a, q="c-00")) == ["C-001", "C-002", "C-003", "C-004",
                                                        "C-005"]
    assert refs(search_customers(ctx_a, q="EXAMPLE.CN")) == ["C-003"]
    # an exact phone finds by its lookup hash, whatever the formatting
    assert refs(search_customers(ctx_a, q="138 0000 0004")) == ["C-004"]
    # LIKE wildcards in the query are literal characters
    assert refs(search_customers(ctx_a, q="100%")) == ["C-005"]
    assert refs(search_customers(ctx_a, q="_")) == []


def test_search_follows_a_renamed_customer(ctx_a):
    seed(ctx_a)
    update_customer(ctx_a, "C-004", {"name": "Fang Wang", "email": "fang@shop.example"})
    assert refs(search_customers(ctx_a, q="王")) == ["C-003"]
    assert refs(search_customers(ctx_a, q="wang")) == ["C-004"]
    assert refs(search_customers(ctx_a, q="SHOP.example")) == ["C-004"]


def test_counts_every_match_across_pages(ctx_a):
    seed(ctx_a)
    first = search_customers(ctx_a, q="c-", per_page=2)
    second = search_customers(ctx_a, q="c-", page=3, per_page=2)
    beyond = search_customers(ctx_a, q="c-", page=9, per_page=2)
    assert (first.total, len(first.items), first.pages) == (5, 2, 3)
    assert (second.total, len(second.items)) == (5, 1)
    assert (beyond.total, beyond.items) == (5, [])
    assert search_customers(ctx_a, q="nobody").total == 0
    # newest first: the last one created leads
    assert first.items[0].customer_ref == "C-005"


def test_other_brands_customers_are_never_found(ctx_a, ctx_b):
    seed(ctx_a)
    create_customer(ctx_b, {"customer_ref": "C-900", "name": "Anna Smith"})
    assert refs(search_customers(ctx_b, q="smith")) == ["C-900"]
    assert search_customers(ctx_b, q="c-00").total == 0
