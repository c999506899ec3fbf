"""The modules' records on the audit screen (``crm_audit_kinds``): kind, field and code
labels, and references shown by the customer's name, in English and Chinese."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from core.audit.models import AuditEntry
from core.audit.present import Presenter
from core.context import Ctx
from core.services.customers import create_customer


def _entry(ctx: Ctx, **row: object) -> AuditEntry:
    base = {"at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), "actor": "boss",
            "brand_id": ctx.brand_id, "details": None}
    ctx.session.execute(insert(AuditEntry.__table__), [{**base, **row}])
    ctx.session.commit()
    return ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def test_loyalty_and_referral_entries_read_as_labels(ctx_a: Ctx) -> None:
    ann = create_customer(ctx_a, {"customer_ref": "K1", "name": "周安", "phone": "13900000001"})
    bo = create_customer(ctx_a, {"customer_ref": "K2", "name": "吴波", "phone": "13900000002"})
    points = _entry(ctx_a, action="create", record_type="loyalty_entries", record_id="999",
                    changes={"kind": [None, "earn"], "points": [None, 120],
                             "source_kind": [None, "order"], "customer_id": [None, ann.id]})
    referral = _entry(ctx_a, action="update", record_type="referrals", record_id="998",
                      changes={"status": ["pending", "qualified"],
                               "referrer_id": [None, ann.id], "referred_id": [None, bo.id]})
    shown = Presenter(ctx_a, locale="en").show_all([points, referral])
    assert shown[0].kind == "Points entry"
    assert [(c.label, c.new) for c in shown[0].changes] == [
        ("Kind", "Earned"), ("Points", "120"), ("Source", "Order"),
        ("Customer", "周安 (K1)")]
    assert shown[1].kind == "Referral"
    assert [(c.label, c.old, c.new) for c in shown[1].changes] == [
        ("Status", "Waiting to qualify", "Qualified"), ("Referrer", None, "周安 (K1)"),
        ("Referred customer", None, "吴波 (K2)")]
    zh = Presenter(ctx_a, locale="zh_Hans_CN")
    zh_shown = zh.show_all([points])[0]
    assert zh_shown.kind == "积分流水"
    assert [(c.label, c.new) for c in zh_shown.changes][0] == ("类型", "获得")
