"""The module per brand: enable, disable (data kept, hooks silent), enable again; the
data-subject export and erasure."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.api import ERASED
from core.models import Customer
from core.services.modules import disable_modules, enable_modules
from core.services.personal_data import erase_customer, personal_data
from core.services.settings import set_settings
from plugins.complaints import services, surveys
from plugins.complaints.models import Survey, Ticket, TicketEntry
from tests.plugins.complaints.helpers import open_, setup_brand


def _counts(ctx, customer_id):
    now = ctx.now()
    return ctx.hooks.crm_customer_complaint_counts(
        ctx=ctx, customer_ids=[customer_id], since=now - dt.timedelta(days=30), until=now)


def test_disable_keeps_data_and_silences_hooks(ctx_a, ctx_b, enable):
    setup_brand(ctx_a, enable, business=False)
    set_settings(ctx_a, {"complaints.reopen_days": 30})
    ctx_a.session.commit()
    t = open_(ctx_a, "2026-03-01T10:00:00+08:00")
    cid = t.customer_id
    assert _counts(ctx_a, cid) == [{cid: 1}]
    disable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    assert _counts(ctx_a, cid) == []            # the hooks no longer answer for A
    assert ctx_a.session.scalar(select(Ticket.ref)) == t.ref   # the data stays
    enable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    assert services.get_ticket(ctx_a, t.ref).status == "new"
    from core.api import get_setting
    assert get_setting(ctx_a, "complaints.reopen_days") == 30  # the brand's change kept
    assert _counts(ctx_b, cid) == []            # B never enabled it


def test_export_and_erasure(ctx_a, enable, clock):
    setup_brand(ctx_a, enable, business=False)
    t = open_(ctx_a, "2026-03-01T10:00:00+08:00", summary="王女士说面霜过敏，电话 13800000000")
    services.act(ctx_a, t.ref, "respond", {"note": "王女士您好"})
    services.act(ctx_a, t.ref, "resolve", {"resolution": "refund", "root_cause": "批次污染"})
    s = ctx_a.session.scalar(select(Survey))
    surveys.answer(ctx_a, surveys.token(s), "2", "客服态度一般")
    parts = {p.key: p for p in personal_data(ctx_a, t.customer_id)}
    assert parts["complaints"].rows[0][0] == t.ref
    assert ("reply" in [r[2] for r in parts["complaint_timeline"].rows])
    assert parts["surveys"].rows[0][3:] == (2, "客服态度一般", None)  # score, comment, answers
    ref = ctx_a.session.get(Customer, t.customer_id).customer_ref
    erase_customer(ctx_a, ctx_a.session.scalar(select(Customer.id).where(
        Customer.customer_ref == ref)))
    ctx_a.session.expire_all()
    t = services.get_ticket(ctx_a, t.ref)
    assert (t.summary, t.root_cause, t.resolution) == (ERASED, None, "refund")
    bodies = {e.body for e in services.timeline(ctx_a, t) if e.body is not None}
    assert bodies == {ERASED}
    s = ctx_a.session.get(Survey, s.id)
    assert (s.score, s.comment) == (2, None)
    assert ctx_a.session.scalar(select(TicketEntry.id).where(
        TicketEntry.body.like("%王女士%"))) is None
