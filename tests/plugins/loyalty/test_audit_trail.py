"""Every loyalty write reaches the audit log as it was written ("one contract" defect 2):
live earned points, a manual adjustment with its record id, and jobs that create nothing
on their second run leave no "created" entry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.services.customers import update_customer
from plugins.loyalty import services
from plugins.loyalty.jobs import birthday_bonuses, expiry_reminders
from plugins.loyalty.models import LoyaltyEntry
from tests.plugins.loyalty.conftest import pay


def _entries(ctx: Ctx, table: str) -> list[AuditEntry]:
    ctx.session.rollback()
    return list(ctx.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == table).order_by(AuditEntry.id)))


def test_points_earned_by_a_live_order_are_audited(loyal_a: Ctx) -> None:
    pay(loyal_a, "O1", "199.00")
    [entry] = _entries(loyal_a, "loyalty_entries")
    assert entry.action == "create" and entry.details["count"] == 1
    assert entry.actor == "tester"


def test_a_manual_adjustment_names_its_record(loyal_a: Ctx) -> None:
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 50, "reason": "goodwill"})
    loyal_a.session.rollback()
    entry_id = loyal_a.session.scalar(select(LoyaltyEntry.id))
    [audit] = _entries(loyal_a, "loyalty_entries")
    assert (audit.action, audit.record_id) == ("create", str(entry_id))


def test_jobs_that_create_nothing_audit_nothing(loyal_a: Ctx, clock) -> None:
    update_customer(loyal_a, "C1", {"birthday": "1990-03-02"})
    pay(loyal_a, "O1", "100.00", at="2025-03-20T10:00:00")  # expires 2026-03-21
    clock.value = dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)
    before = len(_entries(loyal_a, "loyalty_entries")), len(_entries(loyal_a, "tasks"))
    assert birthday_bonuses(loyal_a) == 1 and expiry_reminders(loyal_a) == 1
    after_first = len(_entries(loyal_a, "loyalty_entries")), len(_entries(loyal_a, "tasks"))
    assert after_first == (before[0] + 1, before[1] + 1)
    assert birthday_bonuses(loyal_a) == 0 and expiry_reminders(loyal_a) == 0
    assert (len(_entries(loyal_a, "loyalty_entries")),
            len(_entries(loyal_a, "tasks"))) == after_first
