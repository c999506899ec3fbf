"""The referral module's part of the demo brand: customers who brought customers.

A few later customers were referred by an earlier customer of the same rep, on the day
they joined (before their first order). The programme's nightly job then qualifies the
referrals whose first paid order is past its return window, pays the rewards and makes
the referrers advocates.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from core.api import Ctx, Customer
from plugins.referral.models import Referral
from plugins.referral.services import record_referrals


def demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Record the demo referrals (only on a brand without referrals)."""
    if ctx.session.scalar(select(func.count(Referral.id)).where(
            Referral.brand_id == ctx.brand_id)):
        ctx.session.rollback()
        return
    people = {ref: (rep_id, created) for ref, rep_id, created in ctx.session.execute(
        select(Customer.customer_ref, Customer.rep_id, Customer.created_at).where(
            Customer.brand_id == ctx.brand_id,
            Customer.customer_ref.in_(list(customer_refs))))}
    ctx.session.rollback()
    ordered = [ref for ref in customer_refs if ref in people and ref.startswith("C")]
    rows, used = [], set()
    for k in range(len(ordered) // 3, len(ordered), 9):
        referred = ordered[k]
        rep_id, created = people[referred]
        referrer = next((ref for ref in ordered[:k][::-1]
                         if people[ref][0] == rep_id and ref not in used
                         and people[ref][1] < created), None)
        if referrer is None:
            continue
        used.update((referrer, referred))
        rows.append({"referrer_ref": referrer, "referred_ref": referred,
                     "referred_at": created.isoformat()})
    if rows:
        record_referrals(ctx, rows, "import")
