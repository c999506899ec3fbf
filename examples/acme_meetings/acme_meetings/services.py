"""The business logic: functions of ``ctx``, the one write path of each record."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.api import (
    N_,
    AwareDateTime,
    BrandScopedSchema,
    Ctx,
    DomainError,
    NotFound,
    OrderPaid,
    RowError,
    RowErrors,
    ValidationFailed,
    chunks,
    clean_row,
    get_setting,
    load_or_raise,
    require_module,
    resolve_customer,
    resolve_customer_refs,
)
from marshmallow import fields, validate
from sqlalchemy import select

from acme_meetings.i18n import _
from acme_meetings.models import Attendance, AttendanceStatus, Meeting

MODULE = "acme_meetings"


class MeetingSchema(BrandScopedSchema):
    meeting_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    held_at = AwareDateTime(required=True)
    location = fields.String(validate=validate.Length(max=200))


class AttendanceSchema(BrandScopedSchema):
    meeting_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    customer_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = fields.String(required=True, validate=validate.OneOf(
        [s.value for s in AttendanceStatus],
        error=N_("Choose invited, attended or absent.")))  # translated by load_or_raise


def create_meeting(ctx: Ctx, data: Mapping[str, Any]) -> Meeting:
    """Validate and write a meeting (its ref unique in the brand)."""
    require_module(ctx, MODULE)
    values = load_or_raise(MeetingSchema(tz=ctx.tz), clean_row(data))
    with ctx.write():
        if _meeting(ctx, values["meeting_ref"]) is not None:
            raise DomainError(_("Meeting %(ref)s already exists.", ref=values["meeting_ref"]),
                              code="duplicate")
        meeting = Meeting(brand_id=ctx.brand_id, created_by=ctx.user, created_at=ctx.now(),
                          **values)
        ctx.session.add(meeting)
    return meeting


def _meeting(ctx: Ctx, ref: str) -> Meeting | None:
    return ctx.session.scalar(select(Meeting).where(Meeting.brand_id == ctx.brand_id,
                                                    Meeting.meeting_ref == ref))


def record_attendance(ctx: Ctx, data: Mapping[str, Any]) -> Attendance:
    """Invite a customer to a meeting, or record whether they came (the latest status
    wins); the customer is resolved through merges and the rep scope."""
    require_module(ctx, MODULE)
    values = load_or_raise(AttendanceSchema(tz=ctx.tz), clean_row(data), gettext=_)
    with ctx.write():
        meeting = _meeting(ctx, values["meeting_ref"])
        if meeting is None:
            raise NotFound(_("No meeting %(ref)s.", ref=values["meeting_ref"]))
        customer = resolve_customer(ctx, values["customer_ref"])
        row, _changed = _set_status(ctx, meeting.id, customer.id, values["status"])
    return row


def _set_status(ctx: Ctx, meeting_id: int, customer_id: int, status: str
                ) -> tuple[Attendance, bool]:
    """The one write of an attendance (inside the caller's write transaction); whether it
    changed anything."""
    row = ctx.session.scalar(select(Attendance).where(
        Attendance.brand_id == ctx.brand_id, Attendance.meeting_id == meeting_id,
        Attendance.customer_id == customer_id))
    if row is None:
        row = Attendance(brand_id=ctx.brand_id, meeting_id=meeting_id,
                         customer_id=customer_id)
        ctx.session.add(row)
    elif row.status is AttendanceStatus(status):
        return row, False
    row.status = AttendanceStatus(status)
    row.recorded_by, row.recorded_at = ctx.user, ctx.now()
    return row, True


IMPORT_COLUMNS = ("meeting_ref", "customer_ref", "status")


def import_attendance(ctx: Ctx, path: Path) -> dict[str, int]:
    """The ``acme_meetings_attendance`` import kind: a CSV of
    ``meeting_ref,customer_ref,status``, all or nothing. Every invalid row is reported
    (``RowErrors``: line, column, reason) and nothing is written; otherwise each row is
    recorded as :func:`record_attendance` would. The same file again changes nothing."""
    require_module(ctx, MODULE)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed({"header": [_("Missing columns: %(columns)s.",
                                                 columns=", ".join(missing))]})
        raw = list(enumerate(reader, start=2))  # the header is line 1
    schema = AttendanceSchema(tz=ctx.tz)
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, cells in raw:
        try:
            rows.append((line, load_or_raise(schema, clean_row(
                {k: cells.get(k) for k in IMPORT_COLUMNS}), gettext=_)))
        except ValidationFailed as exc:
            errors += [RowError(line, column, message)
                       for column, messages in exc.errors.items() for message in messages]
    meetings = dict(ctx.session.execute(select(Meeting.meeting_ref, Meeting.id).where(
        Meeting.brand_id == ctx.brand_id,
        Meeting.meeting_ref.in_({v["meeting_ref"] for _line, v in rows}))).all())
    customers = resolve_customer_refs(ctx, {v["customer_ref"] for _line, v in rows})
    seen: dict[tuple[str, str], int] = {}
    for line, v in rows:
        if v["meeting_ref"] not in meetings:
            errors.append(RowError(line, "meeting_ref",
                                   _("No meeting %(ref)s.", ref=v["meeting_ref"])))
        if v["customer_ref"] not in customers:
            errors.append(RowError(line, "customer_ref",
                                   _("No customer %(ref)s.", ref=v["customer_ref"])))
        key = (v["meeting_ref"], v["customer_ref"])
        if key in seen:
            errors.append(RowError(line, "customer_ref", _(
                "Same meeting and customer as line %(line)s.", line=seen[key])))
        seen.setdefault(key, line)
    if errors:
        raise RowErrors(errors)
    changed = 0
    with ctx.write():
        for _line, v in rows:
            changed += _set_status(ctx, meetings[v["meeting_ref"]],
                                   customers[v["customer_ref"]], v["status"])[1]
    return {"attendance": changed}


def link_orders(ctx: Ctx, orders: Sequence[OrderPaid]) -> int:
    """A paid order within ``acme_meetings.follow_up_days`` after a meeting the customer
    attended is that attendance's conversion (the first such order only)."""
    if MODULE not in ctx.enabled_modules or not orders:
        return 0
    days = dt.timedelta(days=int(get_setting(ctx, "acme_meetings.follow_up_days")))
    by_customer: dict[int, list[OrderPaid]] = {}
    for order in sorted(orders, key=lambda o: o.paid_at):
        by_customer.setdefault(order.customer_id, []).append(order)
    rows = [row for chunk in chunks(list(by_customer)) for row in ctx.session.execute(
        select(Attendance, Meeting.held_at).join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.brand_id == ctx.brand_id, Attendance.customer_id.in_(chunk),
               Attendance.status == AttendanceStatus.ATTENDED.value,
               Attendance.order_id.is_(None)))]
    linked = 0
    for attendance, held_at in rows:
        first = next((o for o in by_customer[attendance.customer_id]
                      if held_at <= o.paid_at <= held_at + days), None)
        if first is not None:
            attendance.order_id = first.order_id
            linked += 1
    ctx.session.flush()
    return linked


@dataclass(frozen=True, slots=True)
class Report:
    """A meeting's figures: invited (every status), attended, absent, converted."""

    meeting_ref: str
    title: str
    invited: int
    attended: int
    absent: int
    converted: int

    @property
    def conversion_rate(self) -> float | None:
        """Converted attendees over attendees (None without attendees)."""
        return round(self.converted / self.attended, 4) if self.attended else None


def report(ctx: Ctx, meeting_ref: str) -> Report:
    """The meeting's attendance and conversions."""
    require_module(ctx, MODULE)
    meeting = _meeting(ctx, meeting_ref)
    if meeting is None:
        raise NotFound(_("No meeting %(ref)s.", ref=meeting_ref))
    rows = ctx.session.execute(select(Attendance.status, Attendance.order_id).where(
        Attendance.brand_id == ctx.brand_id, Attendance.meeting_id == meeting.id)).all()
    return Report(meeting.meeting_ref, meeting.title, invited=len(rows),
                  attended=sum(1 for s, _o in rows if s is AttendanceStatus.ATTENDED),
                  absent=sum(1 for s, _o in rows if s is AttendanceStatus.ABSENT),
                  converted=sum(1 for _s, o in rows if o is not None))


def customer_meetings(ctx: Ctx, customer_id: int) -> list[tuple[Meeting, Attendance]]:
    """The meetings a customer was invited to, latest first."""
    return [(m, a) for m, a in ctx.session.execute(
        select(Meeting, Attendance).join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Attendance.brand_id == ctx.brand_id, Attendance.customer_id == customer_id)
        .order_by(Meeting.held_at.desc()))]
