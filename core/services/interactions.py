"""Interactions (客史记录): visits, calls, messages and notes with a customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Ctx
from core.models import Customer, Interaction, InteractionKind, Rep
from core.schemas import InteractionSchema, load_or_raise
from core.services.scoping import get_by_ref


def create_interaction(ctx: Ctx, data: Mapping[str, Any]) -> Interaction:
    """Log a contact with a customer; the rep defaults to the customer's owner."""
    values = load_or_raise(InteractionSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        customer = get_by_ref(ctx, Customer, values["customer_ref"])
        rep_id = get_by_ref(ctx, Rep, values["rep_ref"]).id if values.get("rep_ref") \
            else (ctx.rep_scope_id if ctx.rep_scope_id and ctx.rep_scope_id > 0
                  else customer.rep_id)
        row = Interaction(brand_id=ctx.brand_id, customer_id=customer.id, rep_id=rep_id,
                          kind=InteractionKind(values["kind"]),
                          occurred_at=values["occurred_at"], summary=values["summary"],
                          created_by=ctx.user)
        session.add(row)
        session.flush()
    return row
