"""The complaints module's part of the demo brand: a handful of tickets over the year.

Most were answered within the day and resolved; one was answered late; two are still
open (one of them new this morning), so the queue and the SLA figures have something
to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from core.api import Ctx, Customer
from plugins.complaints.models import Ticket
from plugins.complaints.services import act, open_ticket

# (category, channel, summary, opened days ago, hours to respond, days to resolve or None)
TICKETS = [
    ("product_quality", "phone", "面霜开封后有异味，要求更换", 200, 3, 4),
    ("delivery", "wechat", "净水器滤芯送货延迟一周", 150, 5, 2),
    ("return_refund", "phone", "退货已寄回，退款尚未到账", 95, 30, 6),
    ("rep_conduct", "wechat", "直销员多次在晚上十点后电话推销", 60, 2, 3),
    ("product_quality", "phone", "蛋白粉包装破损", 20, 4, None),
    ("delivery", "wechat", "订单显示已签收但未收到货", 0, None, None),
]


def demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Open, answer and resolve the demo tickets, each step at its own time (only on a
    brand without tickets)."""
    if ctx.session.scalar(select(func.count(Ticket.id)).where(
            Ticket.brand_id == ctx.brand_id)) or not customer_refs:
        ctx.session.rollback()
        return
    joined = dict(ctx.session.execute(select(Customer.customer_ref, Customer.created_at).where(
        Customer.brand_id == ctx.brand_id, Customer.customer_ref.in_(list(customer_refs)))
        ).all())
    ctx.session.rollback()
    now = ctx.now()
    for k, (category, channel, summary, days_ago, respond_h, resolve_d) in enumerate(TICKETS):
        ref = customer_refs[(k * 41 + 5) % len(customer_refs)]
        opened = max(now - dt.timedelta(days=days_ago, hours=2),
                     joined.get(ref, now) + dt.timedelta(days=1))
        if opened > now:
            continue
        ticket = open_ticket(ctx.at(opened), {
            "customer_ref": ref, "channel": channel, "category": category,
            "summary": summary, "opened_at": opened.isoformat()})
        if respond_h is None:
            continue
        answered = opened + dt.timedelta(hours=respond_h)
        if answered > now:
            continue
        act(ctx.at(answered), ticket.ref, "respond",
            {"at": answered.isoformat(), "note": "已致电客户，了解情况并致歉"})
        if resolve_d is None:
            continue
        resolved = answered + dt.timedelta(days=resolve_d)
        if resolved > now:
            continue
        act(ctx.at(resolved), ticket.ref, "resolve", {
            "at": resolved.isoformat(),
            "resolution": "replacement" if category == "product_quality" else "apology",
            "root_cause": "物流与质检环节已整改"})
