"""The contact gate: before any outreach the enabled modules are asked (``crm_can_contact``).

Any refusal refuses. A refused outreach is not created and is recorded once per source key
(a task's rule key, a message's id) in ``outreach_refusals``, so that the brand can list
who was not contacted and why (``directcrm customers blocked-outreach``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.context import Ctx
from core.events import ContactRequest
from core.models import Customer, OutreachRefusal
from core.tasks.store import insert_ignore

CARE, MARKETING, SERVICE = "care", "marketing", "service"
ANY_CHANNEL = "any"

# The purpose of each kind of generated task (a task is outreach by the customer's rep).
TASK_PURPOSES: dict[str, str] = {
    "birthday": CARE, "a_monthly": CARE, "replenish": MARKETING, "reactivation": MARKETING,
    "followup": SERVICE, "profile": SERVICE, "certificate": SERVICE,
}


def contact_refusals(ctx: Ctx, customer_ids: Sequence[int], *, purpose: str,
                     kind: str, channel: str = ANY_CHANNEL) -> dict[int, str]:
    """``{customer_id: reason}`` of the customers the enabled modules refuse to have
    contacted; every module's refusals count (reasons of several modules are joined)."""
    if not customer_ids:
        return {}
    request = ContactRequest(customer_ids=tuple(sorted(set(customer_ids))), channel=channel,
                             purpose=purpose, kind=kind)
    refused: dict[int, str] = {}
    for answer in ctx.hooks.crm_can_contact(ctx=ctx, request=request):
        for cid, reason in (answer or {}).items():
            refused[cid] = f"{refused[cid]}; {reason}" if cid in refused else str(reason)
    return refused


def record_refusals(ctx: Ctx, refusals: Sequence[Mapping[str, object]]) -> int:
    """Store refused outreach (``customer_id, channel, purpose, kind, source_key,
    reason``); a source key already recorded is skipped. Returns the count stored."""
    now = ctx.now()
    rows = [{"brand_id": ctx.brand_id, "refused_at": now, **r,
             "reason": str(r["reason"])[:500]} for r in refusals]
    return insert_ignore(ctx, OutreachRefusal.__table__, rows, ("brand_id", "source_key"))


def may_contact(ctx: Ctx, customer_id: int, *, purpose: str, kind: str, source_key: str,
                channel: str = ANY_CHANNEL) -> bool:
    """Ask the gate about one outreach (a message a module is about to send); a refusal is
    recorded under ``source_key`` and False returned."""
    reason = contact_refusals(ctx, [customer_id], purpose=purpose, kind=kind,
                              channel=channel).get(customer_id)
    if reason is None:
        return True
    with ctx.write():
        record_refusals(ctx, [{"customer_id": customer_id, "channel": channel,
                               "purpose": purpose, "kind": kind, "source_key": source_key,
                               "reason": reason}])
    return False


def gate_task_rows(ctx: Ctx, rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """The generated task rows the contact gate allows; refused ones are recorded."""
    allowed: list[dict[str, object]] = []
    refused_rows: list[dict[str, object]] = []
    by_kind: dict[tuple[str, str], list[dict[str, object]]] = {}
    for row in rows:
        row = dict(row)
        purpose = str(row.pop("purpose", None) or TASK_PURPOSES.get(str(row["kind"]),
                                                                     MARKETING))
        by_kind.setdefault((str(row["kind"]), purpose), []).append(row)
    for (kind, purpose), group in by_kind.items():
        customers = [int(r["customer_id"]) for r in group  # type: ignore[call-overload]
                     if r.get("customer_id") is not None]
        refused = contact_refusals(ctx, customers, purpose=purpose, kind=kind)
        for row in group:
            reason = refused.get(row.get("customer_id"))  # type: ignore[arg-type]
            if reason is None:
                allowed.append(row)
            else:
                refused_rows.append({"customer_id": row["customer_id"], "channel": ANY_CHANNEL,
                                     "purpose": purpose, "kind": kind,
                                     "source_key": row["rule_key"], "reason": reason})
    if refused_rows:
        record_refusals(ctx, refused_rows)
    return allowed


@dataclass(frozen=True, slots=True)
class BlockedOutreach:
    """A recorded refusal, for listings."""

    refused_at: dt.datetime
    customer_ref: str
    purpose: str
    channel: str
    kind: str
    reason: str


def blocked_outreach(ctx: Ctx, since: dt.datetime | None = None) -> list[BlockedOutreach]:
    """The brand's refused outreach, newest first (optionally since a time)."""
    stmt = (select(OutreachRefusal.refused_at, Customer.customer_ref, OutreachRefusal.purpose,
                   OutreachRefusal.channel, OutreachRefusal.kind, OutreachRefusal.reason)
            .join(Customer, Customer.id == OutreachRefusal.customer_id)
            .where(OutreachRefusal.brand_id == ctx.brand_id)
            .order_by(OutreachRefusal.refused_at.desc(), OutreachRefusal.id.desc()))
    if since is not None:
        stmt = stmt.where(OutreachRefusal.refused_at >= since)
    return [BlockedOutreach(*row) for row in ctx.session.execute(stmt)]

