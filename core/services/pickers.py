"""Suggestions for the search pickers of the forms: customers, reps and products.

Each picker reuses the list's own search and the row policy, so a picker never offers
what the user could not find on the list: a rep is offered their own customers only.
Customers match part of their ref, name or e-mail, or their whole phone number (phones
are encrypted at rest: the keyed hash finds an exact number, never a fragment).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.context import Ctx
from core.crypto import mask
from core.models import RepStatus
from core.services import browse

LIMIT = 10


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One choice: ``value`` goes into the form field, ``label`` and ``detail`` are shown."""

    value: str
    label: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """The suggestion as JSON-ready dict."""
        return asdict(self)


def customers(ctx: Ctx, q: str | None, limit: int = LIMIT) -> list[Suggestion]:
    """Live customers matching ``q`` (newest first), with their masked phone and rep."""
    page = browse.search_customers(ctx, q=(q or "").strip() or None, per_page=limit)
    return [Suggestion(c.customer_ref, c.name,
                       " · ".join(x for x in (c.customer_ref, mask(c.phone),
                                              c.rep.name if c.rep else None) if x))
            for c in page.items]


def reps(ctx: Ctx, q: str | None, limit: int = LIMIT) -> list[Suggestion]:
    """Reps matching ``q`` by name or ref; terminated reps are not offered."""
    page = browse.search_reps(ctx, q=(q or "").strip() or None, per_page=limit * 2)
    return [Suggestion(r.rep_ref, r.name,
                       " · ".join(x for x in (r.rep_ref, r.province, r.territory) if x))
            for r in page.items if r.status != RepStatus.TERMINATED][:limit]


def products(ctx: Ctx, q: str | None, limit: int = LIMIT) -> list[Suggestion]:
    """Active products matching ``q`` by name or sku, with their list price."""
    page = browse.search_products(ctx, q=(q or "").strip() or None, per_page=limit * 2)
    return [Suggestion(p.sku, p.name, f"{p.sku} · {p.list_price}")
            for p in page.items if p.active][:limit]


PICKERS = {"customers": customers, "reps": reps, "products": products}
