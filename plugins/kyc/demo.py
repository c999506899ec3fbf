"""The kyc module's part of the demo brand: published notices and the customers' consents.

Most customers gave their care and service consent (phone, WeChat, visits) when they
joined, and most of those their marketing consent too; one later withdrew marketing (P4).
A customer without consent gets no care or marketing task: that is the gate at work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from core.api import Ctx, Customer, _, use_locale
from plugins.kyc.consent import add_notice, record_answers
from plugins.kyc.models import ConsentAction, ConsentNotice, ConsentSource

VERSION = "2025.1"
NOTICES = {
    "care": "我们会在您购买后回访、提醒补货并在生日等节日问候您。您可随时撤回同意。",
    "service": "为处理您的订单、退换货与投诉，我们会使用您的联系方式。",
    "marketing": "我们会通过电话、微信或上门向您介绍新品与会员活动。您可随时撤回同意。",
}
CHANNELS = ("phone", "wechat", "visit")


def demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Notices published two years ago, then the consents (only on a brand without
    notices: a second demo run adds nothing)."""
    if ctx.session.scalar(select(func.count(ConsentNotice.id)).where(
            ConsentNotice.brand_id == ctx.brand_id)):
        ctx.session.rollback()
        return
    joined = dict(ctx.session.execute(select(Customer.customer_ref, Customer.created_at).where(
        Customer.brand_id == ctx.brand_id, Customer.customer_ref.in_(list(customer_refs)))
        ).all())
    ctx.session.rollback()
    effective = ctx.local_today() - dt.timedelta(days=730)
    for purpose, text in NOTICES.items():
        add_notice(ctx, {"purpose": purpose, "version": VERSION, "locale": "zh_Hans_CN",
                         "text": text, "effective_on": effective.isoformat()})
    with use_locale(ctx.locale):  # written in the brand's language, like the notices
        evidence = _("Signed on paper at the first visit (demo)")
    given = []
    for k, ref in enumerate(customer_refs):
        if k % 12 == 5 or ref not in joined:  # about one in twelve never answered
            continue
        at = joined[ref].isoformat()
        purposes = ("care", "service", "marketing") if k % 4 else ("care", "service")
        given += [{"customer_ref": ref, "purpose": p, "channel": ch, "at": at,
                   "evidence": evidence}
                  for p in purposes for ch in CHANNELS]
    record_answers(ctx, given, ConsentAction.GIVEN, ConsentSource.REP)
    withdrawn = next((ref for k, ref in enumerate(customer_refs)
                      if k % 4 and k % 12 != 5 and ref in joined), None)
    if withdrawn is not None:
        record_answers(ctx, [{"customer_ref": withdrawn, "purpose": "marketing",
                              "at": ctx.now().isoformat()}],
                       ConsentAction.WITHDRAWN, ConsentSource.REP)
