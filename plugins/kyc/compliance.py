"""The privacy rules of COMPLIANCE.md, checked on this module's data for a period
(``crm_compliance_checks``): P1 notice versions, P2 sensitive data, P3 minors, P4
withdrawals, P5 data-subject requests, P10 outreach with consent.

Each result counts what was looked at and lists the offending records; the compliance
module places it in the report under the rule (its pack decides block or warn).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from core.api import (
    TASK_PURPOSES,
    AuditEntry,
    ComplianceResult,
    Ctx,
    Customer,
    Task,
    _,
    blocked_outreach,
    get_setting,
)
from plugins.kyc.common import MODULE
from plugins.kyc.consent import live_consents, reconsent_due
from plugins.kyc.labels import (
    CHANNEL_LABELS,
    ID_TYPE_LABELS,
    PURPOSE_LABELS,
    REQUEST_KIND_LABELS,
    label,
)
from plugins.kyc.models import (
    ConsentAction,
    ConsentRecord,
    DataRequest,
    Identity,
    Purpose,
    RequestStatus,
)

PASS, FAIL, WARN = "pass", "fail", "warn"
SOURCE = "个人信息保护法 (PIPL)"


def _result(rule_id: str, title: str, *, checked: int, records: list[tuple[object, ...]],
            columns: tuple[str, ...], figures: list[tuple[str, object]],
            soft: bool = False) -> ComplianceResult:
    status = PASS if not records else WARN if soft else FAIL
    return ComplianceResult(rule_id=rule_id, status=status, title=title, checked=checked,
                            failed=len(records), columns=columns, records=tuple(records),
                            figures=tuple(figures), source=SOURCE, module=MODULE)


def _bounds(ctx: Ctx, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ctx.tz
    return (dt.datetime.combine(start, dt.time.min, tz).astimezone(dt.UTC),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz).astimezone(dt.UTC))


def checks(ctx: Ctx, start: dt.date, end: dt.date) -> list[ComplianceResult]:
    """Every privacy rule for the period ``start`` .. ``end`` (local dates, inclusive)."""
    since, until = _bounds(ctx, start, end)
    as_of = min(ctx.now(), until)
    return [_p1(ctx, since, until), _p2(ctx, as_of), _p3(ctx, as_of, end),
            _p4(ctx, since, until), _p5(ctx, since, until, as_of), _p6(ctx, since, until),
            _p7(ctx, as_of), _p10(ctx, since, until)]


def _answers(ctx: Ctx, since: dt.datetime, until: dt.datetime, action: ConsentAction
             ) -> list[tuple[int, str, dt.datetime]]:
    return list(ctx.session.execute(
        select(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.at)
        .where(ConsentRecord.brand_id == ctx.brand_id, ConsentRecord.action == action.value,
               ConsentRecord.at >= since, ConsentRecord.at < until)).all())


def _p1(ctx: Ctx, since: dt.datetime, until: dt.datetime) -> ComplianceResult:
    given = ctx.session.execute(
        select(ConsentRecord.purpose, ConsentRecord.notice_version, func.count())
        .where(ConsentRecord.brand_id == ctx.brand_id,
               ConsentRecord.action == ConsentAction.GIVEN.value,
               ConsentRecord.at >= since, ConsentRecord.at < until)
        .group_by(ConsentRecord.purpose, ConsentRecord.notice_version)
        .order_by(ConsentRecord.purpose, ConsentRecord.notice_version)).all()
    due = reconsent_due(ctx)
    figures: list[tuple[str, object]] = [
        (_("%(purpose)s, notice %(version)s: consents given", purpose=label(
            PURPOSE_LABELS, str(p)), version=v), n) for p, v, n in given]
    figures.append((_("Consents to ask again (notice changed)"), len(due)))
    return _result("P1", _("Notice before collecting personal data, consent per notice "
                           "version"),
                   checked=sum(n for _p, _v, n in given),
                   records=[(d.customer_ref, label(PURPOSE_LABELS, d.purpose),
                             label(CHANNEL_LABELS, d.channel), d.answered_version,
                             d.current_version) for d in due],
                   columns=(_("Customer"), _("Purpose"), _("Channel"), _("Version answered"),
                            _("Current version")), figures=figures, soft=True)


def _p2(ctx: Ctx, as_of: dt.datetime) -> ComplianceResult:
    held = list(ctx.session.execute(
        select(Identity.customer_id, Customer.customer_ref, Identity.id_type)
        .join(Customer, Customer.id == Identity.customer_id)
        .where(Identity.brand_id == ctx.brand_id)).all())
    live = live_consents(ctx, [c for c, _r, _t in held], Purpose.SENSITIVE_DATA.value, as_of)
    records = [(ref, label(ID_TYPE_LABELS, str(t))) for cid, ref, t in held
               if not live.get(cid)]
    return _result("P2", _("Separate consent for sensitive data, sharing, publishing and "
                           "transfer abroad"), checked=len(held), records=records,
                   columns=(_("Customer"), _("Document")),
                   figures=[(_("Customers' identity documents held"), len(held))])


def _p3(ctx: Ctx, as_of: dt.datetime, end: dt.date) -> ComplianceResult:
    age = int(get_setting(ctx, "kyc.minor_age"))
    try:
        born_after = end.replace(year=end.year - age)
    except ValueError:  # 29 February
        born_after = end.replace(year=end.year - age, day=28)
    minors = dict(ctx.session.execute(
        select(Customer.id, Customer.customer_ref)
        .where(Customer.brand_id == ctx.brand_id, Customer.birthday > born_after,
               Customer.merged_into_id.is_(None))).all())
    records: list[tuple[object, ...]] = []
    guarded = 0
    if minors:
        rows = ctx.session.execute(
            select(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.at,
                   ConsentRecord.guardian_name)
            .where(ConsentRecord.brand_id == ctx.brand_id,
                   ConsentRecord.customer_id.in_(list(minors)),
                   ConsentRecord.action == ConsentAction.GIVEN.value,
                   ConsentRecord.at < as_of))
        for cid, purpose, at, guardian in rows:
            if guardian:
                guarded += 1
            else:
                records.append((minors[cid], label(PURPOSE_LABELS, str(purpose)), at))
    return _result("P3", _("Under-14s need guardian consent"), checked=len(minors),
                   records=records, columns=(_("Customer"), _("Purpose"), _("Given at")),
                   figures=[(_("Minors among customers"), len(minors)),
                            (_("Consents given by a guardian"), guarded)])


def _kinds(purpose: str) -> list[str]:
    return [k for k, p in TASK_PURPOSES.items() if p == purpose]


def _p4(ctx: Ctx, since: dt.datetime, until: dt.datetime) -> ComplianceResult:
    withdrawals = _answers(ctx, since, until, ConsentAction.WITHDRAWN)
    first: dict[tuple[int, str], dt.datetime] = {}
    for cid, purpose, at in withdrawals:
        key = (cid, str(purpose))
        first[key] = min(at, first.get(key, at))
    gated = set(get_setting(ctx, "kyc.contact_purposes"))
    records: list[tuple[object, ...]] = []
    for (cid, purpose), at in sorted(first.items()):
        if purpose not in gated:
            continue
        for ref, kind, created in ctx.session.execute(
                select(Customer.customer_ref, Task.kind, Task.created_at)
                .join(Customer, Customer.id == Task.customer_id)
                .where(Task.brand_id == ctx.brand_id, Task.customer_id == cid,
                       Task.kind.in_(_kinds(purpose)), Task.created_at > at,
                       Task.created_at < until)):
            if not live_consents(ctx, [cid], purpose, created):
                records.append((ref, label(PURPOSE_LABELS, purpose), kind, created))
    by_purpose = Counter(str(p) for _c, p, _a in withdrawals)
    return _result("P4", _("Withdrawal is as easy as consent and takes effect at once"),
                   checked=len(withdrawals), records=records,
                   columns=(_("Customer"), _("Purpose"), _("Task"), _("Created at")),
                   figures=[(_("Withdrawals: %(purpose)s", purpose=label(PURPOSE_LABELS, p)),
                             n) for p, n in sorted(by_purpose.items())])


def _p5(ctx: Ctx, since: dt.datetime, until: dt.datetime, as_of: dt.datetime
        ) -> ComplianceResult:
    today = as_of.astimezone(ctx.tz).date()
    requests = list(ctx.session.execute(
        select(DataRequest.request_ref, DataRequest.kind, DataRequest.opened_at,
               DataRequest.due_on, DataRequest.extended_to, DataRequest.status,
               DataRequest.closed_at)
        .where(DataRequest.brand_id == ctx.brand_id, DataRequest.opened_at < until)
        .where((DataRequest.opened_at >= since) | (DataRequest.closed_at.is_(None))
               | (DataRequest.closed_at >= since))
        .order_by(DataRequest.opened_at)))
    records: list[tuple[object, ...]] = []
    durations = []
    for ref, kind, opened, due, extended, status, closed in requests:
        deadline = extended or due
        closed_on = closed.astimezone(ctx.tz).date() if closed is not None else None
        if closed_on is not None:
            durations.append((closed_on - opened.astimezone(ctx.tz).date()).days)
        late = (closed_on > deadline) if closed_on else (
            status is RequestStatus.OPEN and deadline < today)
        if late:
            records.append((ref, label(REQUEST_KIND_LABELS, str(kind)), deadline, closed))
    average = round(sum(durations) / len(durations), 1) if durations else "-"
    return _result("P5", _("Data-subject requests answered within the deadline"),
                   checked=len(requests), records=records,
                   columns=(_("Request"), _("Kind"), _("Due on"), _("Closed at")),
                   figures=[(_("Requests in the period"), len(requests)),
                            (_("Closed"), len(durations)),
                            (_("Average days to close"), average)])


def _p6(ctx: Ctx, since: dt.datetime, until: dt.datetime) -> ComplianceResult:
    from plugins.kyc.retention import expired

    counts: Counter[str] = Counter()
    for record_type, details in ctx.session.execute(
            select(AuditEntry.record_type, AuditEntry.details)
            .where(AuditEntry.brand_id == ctx.brand_id, AuditEntry.action == "erase",
                   AuditEntry.at >= since, AuditEntry.at < until)):
        # A customer's erasure is one entry; leads are anonymised in batches of "count".
        counts[str(record_type)] += int((details or {}).get("count", 1)) \
            if record_type == "leads" else 1
    pending = expired(ctx)
    records: list[tuple[object, ...]] = [
        *((_("Lead"), ref) for ref in pending.lead_refs),
        *((_("Customer"), ref) for ref in pending.customer_refs)]
    return _result("P6", _("Keep personal data only as long as needed"),
                   checked=sum(counts.values()) + len(records), records=records,
                   columns=(_("Record"), _("Reference")),
                   figures=[(_("Customers erased or anonymised"), counts.get("customers", 0)),
                            (_("Leads anonymised"), counts.get("leads", 0)),
                            (_("Past their retention period, not yet anonymised"),
                             len(records))])


def _p7(ctx: Ctx, as_of: dt.datetime) -> ComplianceResult:
    from plugins.kyc.assessments import list_assessments

    on = as_of.astimezone(ctx.tz).date()
    register = [a for a in list_assessments(ctx) if a.assessed_on <= on]
    late = [(a.assessment_ref, a.trigger, a.assessed_on, a.review_on) for a in register
            if a.review_on < on]
    has_ids = ctx.session.scalar(select(func.count()).select_from(Identity).where(
        Identity.brand_id == ctx.brand_id)) or 0
    missing = has_ids and not any(a.trigger == "sensitive_data" for a in register)
    records: list[tuple[object, ...]] = list(late)
    if missing:
        records.append(("-", "sensitive_data", None, None))
    return _result("P7", _("Impact assessment before handling sensitive data, automated "
                           "decisions, sharing, publishing"), checked=len(register),
                   records=records,
                   columns=(_("Assessment"), _("Trigger"), _("Assessed on"),
                            _("Review due")),
                   figures=[(_("Assessments on file"), len(register)),
                            (_("Reviews overdue"), len(late)),
                            (_("Sensitive data held without an assessment"),
                             _("Yes") if missing else _("No"))])


def _p10(ctx: Ctx, since: dt.datetime, until: dt.datetime) -> ComplianceResult:
    gated = list(get_setting(ctx, "kyc.contact_purposes"))
    records: list[tuple[object, ...]] = []
    checked = 0
    for purpose in gated:
        tasks = list(ctx.session.execute(
            select(Task.customer_id, Customer.customer_ref, Task.kind, Task.created_at)
            .join(Customer, Customer.id == Task.customer_id)
            .where(Task.brand_id == ctx.brand_id, Task.kind.in_(_kinds(purpose)),
                   Task.created_at >= since, Task.created_at < until)))
        checked += len(tasks)
        for cid, ref, kind, created in tasks:
            if not live_consents(ctx, [cid], purpose, created):
                records.append((ref, label(PURPOSE_LABELS, purpose), kind, created))
    blocked = [b for b in blocked_outreach(ctx, since) if b.refused_at < until]
    by_purpose = Counter(b.purpose for b in blocked)
    return _result("P10", _("Marketing only with consent and an easy opt-out"),
                   checked=checked, records=records,
                   columns=(_("Customer"), _("Purpose"), _("Task"), _("Created at")),
                   figures=[(_("Outreach blocked for lack of consent: %(purpose)s",
                               purpose=label(PURPOSE_LABELS, p)), n)
                            for p, n in sorted(by_purpose.items())]
                   or [(_("Outreach blocked for lack of consent"), 0)])
