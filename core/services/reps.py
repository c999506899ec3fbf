"""Reps: create, update, status transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from core.context import Ctx
from core.crypto import phone_hash
from core.errors import DomainError, RuleViolation, ValidationFailed
from core.i18n import _
from core.models import Rep, RepStatus, RepStatusChange
from core.schemas import REP_DATE_PAIRS, RepSchema, load_or_raise, rep_date_errors
from core.services import payloads
from core.services.scoping import get_by_ref, ref_map, scoped
from core.services.settings import get_setting

ALLOWED_TRANSITIONS: dict[RepStatus, set[RepStatus]] = {
    RepStatus.APPLICANT: {RepStatus.ACTIVE, RepStatus.TERMINATED},
    RepStatus.ACTIVE: {RepStatus.SUSPENDED, RepStatus.TERMINATED},
    RepStatus.SUSPENDED: {RepStatus.ACTIVE, RepStatus.TERMINATED},
    RepStatus.TERMINATED: set(),
}


def create_rep(ctx: Ctx, data: Mapping[str, Any]) -> Rep:
    """Create a rep as an applicant, then move to the requested status through the same
    checks as a live transition (so an ineligible rep cannot be created active)."""
    values = load_or_raise(RepSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        if ref_map(ctx, Rep, {values["rep_ref"]}):
            raise DomainError(_("A rep with rep_ref %(ref)s already exists.",
                                ref=values["rep_ref"]), code="duplicate")
        sponsor_id = None
        if values.get("sponsor_ref"):
            sponsor_id = get_by_ref(ctx, Rep, values["sponsor_ref"], field="sponsor_ref").id
        target = RepStatus(values.pop("status"))
        values.pop("sponsor_ref", None)
        now = ctx.now()
        rep = Rep(brand_id=ctx.brand_id, sponsor_id=sponsor_id, status=RepStatus.APPLICANT,
                  phone_hash=phone_hash(values.get("phone")), created_at=now, updated_at=now,
                  **values)
        session.add(rep)
        session.flush()
        session.add(RepStatusChange(brand_id=ctx.brand_id, rep_id=rep.id, old_status=None,
                                    new_status=RepStatus.APPLICANT,
                                    effective_on=values.get("joined_on") or ctx.local_today(),
                                    changed_at=now, changed_by=ctx.user))
        if target != RepStatus.APPLICANT:
            change_rep_status(ctx, rep.rep_ref, target.value,
                              effective_on=values.get("joined_on") or ctx.local_today())
    return rep


def change_rep_status(ctx: Ctx, rep_ref: str, new_status: str,
                      effective_on: dt.date | None = None, reason: str | None = None) -> Rep:
    """Move a rep to ``new_status``; modules may refuse (e.g. compliance DS1 eligibility)."""
    target = RepStatus(new_status)
    effective_on = effective_on or ctx.local_today()
    with ctx.write() as session:
        rep = get_by_ref(ctx, Rep, rep_ref)
        if target == rep.status:
            return rep
        if target not in ALLOWED_TRANSITIONS[rep.status]:
            raise DomainError(_("A rep cannot go from %(old)s to %(new)s.",
                                old=rep.status.value, new=target.value), code="bad_transition")
        last = session.scalar(select(func.max(RepStatusChange.effective_on)).where(
            RepStatusChange.brand_id == ctx.brand_id, RepStatusChange.rep_id == rep.id))
        if last is not None and effective_on < last:
            raise ValidationFailed({"effective_on": [_(
                "Must not be before the rep's last status change, on %(date)s.",
                date=last.isoformat())]})
        problems = [p for ps in ctx.hooks.crm_validate_rep_status(
            ctx=ctx, rep_id=rep.id, new_status=target.value, effective_on=effective_on)
            if ps for p in ps]
        blocking = [p for p in problems if p.blocking]
        if blocking:
            raise RuleViolation(blocking[0].code, "; ".join(p.message for p in blocking))
        old = rep.status
        rep.status = target
        rep.updated_at = ctx.now()
        if target == RepStatus.ACTIVE and rep.joined_on is None:
            rep.joined_on = effective_on
        if target == RepStatus.TERMINATED:
            rep.left_on = effective_on
        session.add(RepStatusChange(brand_id=ctx.brand_id, rep_id=rep.id, old_status=old,
                                    new_status=target, effective_on=effective_on, reason=reason,
                                    changed_at=ctx.now(), changed_by=ctx.user))
        session.flush()
        ctx.hooks.crm_rep_status_changed(ctx=ctx, changes=[payloads.rep_status_changed(
            rep.id, rep.rep_ref, old, target, effective_on)])
    return rep


def update_rep(ctx: Ctx, rep_ref: str, data: Mapping[str, Any]) -> Rep:
    """Change a rep's profile (not the ref, the status or the sponsor: statuses move
    through :func:`change_rep_status`)."""
    values = load_or_raise(RepSchema(tz=ctx.tz, partial=True), data)
    for key in ("rep_ref", "status", "sponsor_ref"):
        values.pop(key, None)
    with ctx.write() as session:
        rep = get_by_ref(ctx, Rep, rep_ref)
        merged = {k: values.get(k, getattr(rep, k)) for pair in REP_DATE_PAIRS for k in pair}
        errors = rep_date_errors(merged)
        if errors:
            raise ValidationFailed(errors)
        for key, value in values.items():
            setattr(rep, key, value)
        if "phone" in values:
            rep.phone_hash = phone_hash(rep.phone)
        rep.updated_at = ctx.now()
        session.flush()
    return rep


def rep_status_history(ctx: Ctx, rep_ref: str) -> list[RepStatusChange]:
    """The rep's status transitions, oldest first (by effective day, then as recorded)."""
    rep = get_by_ref(ctx, Rep, rep_ref)
    return list(ctx.session.scalars(select(RepStatusChange).where(
        RepStatusChange.brand_id == ctx.brand_id, RepStatusChange.rep_id == rep.id)
        .order_by(RepStatusChange.effective_on, RepStatusChange.id)))


def expiring_certificates(ctx: Ctx, days: int | None = None) -> list[Rep]:
    """Active and applicant reps whose certificate expires within ``days`` local days
    (default: the brand setting ``reps.certificate_warning_days``), or has already expired,
    soonest first. A rep user sees at most themselves (the row policy)."""
    if days is None:
        days = int(get_setting(ctx, "reps.certificate_warning_days"))
    limit = ctx.local_today() + dt.timedelta(days=days)
    return list(ctx.session.scalars(
        scoped(ctx, Rep).where(Rep.status.in_((RepStatus.ACTIVE, RepStatus.APPLICANT)),
                               Rep.certificate_valid_until.is_not(None),
                               Rep.certificate_valid_until <= limit)
        .order_by(Rep.certificate_valid_until, Rep.rep_ref)))
