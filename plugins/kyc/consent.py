"""Consent notices and the append-only consent ledger.

One write path: the CLI, the API, the web page, the public consent link and the CSV
import all call :func:`record_answers` with raw rows; every row is validated (all errors
collected, each naming its field), refs resolve to merge survivors, and the rows are
written idempotently (the same answer at the same instant is stored once) and audited with
the count really written.

The state of a consent (customer, purpose, channel) at a moment is its latest record at or
before it; at one instant a withdrawal wins over a consent.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import and_, func, select

from core.api import (
    ANY_CHANNEL,
    N_,
    AwareDateTime,
    BrandScopedSchema,
    ContactRequest,
    Ctx,
    Customer,
    Day,
    DomainError,
    RowError,
    RowErrors,
    RowProblem,
    ValidationFailed,
    _,
    clean_row,
    get_setting,
    insert_ignore,
    label,
    load_or_raise,
    raise_row_problems,
    register_stored_texts,
    resolve_customer_refs,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.models import (
    Channel,
    ConsentAction,
    ConsentNotice,
    ConsentRecord,
    ConsentSource,
    Purpose,
)

# The contact gate's reasons are stored with each refused outreach (in the language of the
# run that refused it) and shown in the reader's.
register_stored_texts((N_("no live %(purpose)s consent on any channel"),
                       N_("no live %(purpose)s consent for %(channel)s")), _)

# The core's contact channels → consent channels (a call is made on the phone).
CONTACT_CHANNELS: dict[str, Channel] = {
    "call": Channel.PHONE, "phone": Channel.PHONE, "sms": Channel.SMS,
    "wechat": Channel.WECHAT, "email": Channel.EMAIL, "visit": Channel.VISIT,
}

_PURPOSES = [p.value for p in Purpose]
_CHANNELS = [c.value for c in Channel]


# -- notices -------------------------------------------------------------------------------


class NoticeSchema(BrandScopedSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(_PURPOSES))
    version = fields.String(required=True, validate=validate.Length(min=1, max=32))
    locale = fields.String(required=True, validate=validate.OneOf(["en", "zh_Hans_CN",
                                                                   "zh_Hant_TW"]))
    text = fields.String(required=True, validate=validate.Length(min=1, max=100_000))
    effective_on = Day(required=True)
    material = fields.Boolean(load_default=True)


def add_notice(ctx: Ctx, data: Mapping[str, Any]) -> ConsentNotice:
    """Publish a notice version for a purpose in one language (P1); a version already
    published in that language is refused (``duplicate``)."""
    require_enabled(ctx)
    values = load_or_raise(NoticeSchema(tz=ctx.tz), clean_row(data))
    with ctx.write():
        exists = ctx.session.scalar(select(ConsentNotice.id).where(
            ConsentNotice.brand_id == ctx.brand_id, ConsentNotice.purpose == values["purpose"],
            ConsentNotice.version == values["version"],
            ConsentNotice.locale == values["locale"]))
        if exists:
            raise DomainError(_("Notice %(purpose)s version %(version)s (%(locale)s) is "
                                "already published; publish a new version instead.",
                                **values), code="duplicate")
        notice = ConsentNotice(brand_id=ctx.brand_id, created_by=ctx.user,
                               created_at=ctx.now(), **values)
        ctx.session.add(notice)
    return notice


def notices_query(ctx: Ctx) -> Any:
    """The brand's notices, newest first (a SELECT for listing)."""
    return (select(ConsentNotice).where(ConsentNotice.brand_id == ctx.brand_id)
            .order_by(ConsentNotice.purpose, ConsentNotice.effective_on.desc(),
                      ConsentNotice.locale))


def notice_in_effect(ctx: Ctx, purpose: str, on: dt.date) -> str | None:
    """The version of ``purpose``'s notice in effect on ``on`` (latest effective date)."""
    return ctx.session.scalar(
        select(ConsentNotice.version)
        .where(ConsentNotice.brand_id == ctx.brand_id, ConsentNotice.purpose == purpose,
               ConsentNotice.effective_on <= on)
        .order_by(ConsentNotice.effective_on.desc(), ConsentNotice.id.desc()).limit(1))


def _versions(ctx: Ctx) -> dict[tuple[str, str], dt.date]:
    """``{(purpose, version): effective_on}`` of every published notice."""
    rows = ctx.session.execute(
        select(ConsentNotice.purpose, ConsentNotice.version,
               func.min(ConsentNotice.effective_on))
        .where(ConsentNotice.brand_id == ctx.brand_id)
        .group_by(ConsentNotice.purpose, ConsentNotice.version))
    return {(str(p), v): day for p, v, day in rows}


# -- answers -------------------------------------------------------------------------------


class AnswerSchema(BrandScopedSchema):
    """One answer as it comes in (CLI options, an API body, a CSV row, a web form)."""

    customer_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    purpose = fields.String(required=True, validate=validate.OneOf(_PURPOSES))
    # Absent on a withdrawal: every channel of the purpose.
    channel = fields.String(validate=validate.OneOf(_CHANNELS))
    notice_version = fields.String(validate=validate.Length(min=1, max=32))
    at = AwareDateTime()
    evidence = fields.String(validate=validate.Length(max=2000))
    guardian_name = fields.String(validate=validate.Length(min=1, max=200))


@dataclass(frozen=True, slots=True)
class Answer:
    """A checked answer, ready to write."""

    index: int  # the row it came from (0-based, in the order given)
    customer_id: int
    purpose: str
    channel: str
    action: ConsentAction
    at: dt.datetime
    notice_version: str | None
    evidence: str | None
    guardian_name: str | None


def check_answers(ctx: Ctx, rows: Sequence[Mapping[str, Any]], action: ConsentAction
                  ) -> tuple[list[Answer], list[RowProblem]]:
    """Validate every row; the answers of the valid ones and every problem found."""
    problems: list[RowProblem] = []
    loaded: list[tuple[int, dict[str, Any]]] = []
    schema = AnswerSchema(tz=ctx.tz)
    refs_of_bad_rows: list[tuple[int, str]] = []
    for i, row in enumerate(rows):
        try:
            loaded.append((i, schema.load(clean_row(row))))
        except ValidationError as exc:
            problems += [RowProblem(i, f, str(m)) for f, msgs in exc.messages.items()
                         for m in (msgs if isinstance(msgs, list) else [msgs])]
            valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
            if valid.get("customer_ref"):  # still say when the customer is unknown too
                refs_of_bad_rows.append((i, valid["customer_ref"]))
    customers = resolve_customer_refs(ctx, {v["customer_ref"] for _i, v in loaded}
                                      | {ref for _i, ref in refs_of_bad_rows})
    problems += [RowProblem(i, "customer_ref", _("No customer with reference %(ref)s.",
                                                 ref=ref))
                 for i, ref in refs_of_bad_rows if ref not in customers]
    birthdays = _birthdays(ctx, set(customers.values()))
    versions = _versions(ctx) if action is ConsentAction.GIVEN else {}
    now, minor_age = ctx.now(), int(get_setting(ctx, "kyc.minor_age"))
    answers: list[Answer] = []
    for i, v in loaded:
        found = len(problems)
        cid = customers.get(v["customer_ref"])
        if cid is None:
            problems.append(RowProblem(i, "customer_ref", _(
                "No customer with reference %(ref)s.", ref=v["customer_ref"])))
        at = v.get("at") or now
        if at > now + dt.timedelta(minutes=5):
            problems.append(RowProblem(i, "at", _("Must not be in the future.")))
        version = v.get("notice_version")
        channel = v.get("channel")
        if action is ConsentAction.GIVEN:
            if channel is None:
                problems.append(RowProblem(i, "channel", _("Missing data for required "
                                                           "field.")))
            local_day = at.astimezone(ctx.tz).date()
            if version is None:
                version = notice_in_effect(ctx, v["purpose"], local_day)
                if version is None:
                    problems.append(RowProblem(i, "notice_version", _(
                        "No %(purpose)s notice is in effect on %(day)s: publish one first "
                        "(consent notice add).", purpose=v["purpose"], day=local_day)))
            elif (v["purpose"], version) not in versions:
                problems.append(RowProblem(i, "notice_version", _(
                    "No %(purpose)s notice has version %(version)s.", purpose=v["purpose"],
                    version=version)))
            elif versions[(v["purpose"], version)] > local_day:
                problems.append(RowProblem(i, "notice_version", _(
                    "Version %(version)s takes effect on %(day)s, after this answer.",
                    version=version, day=versions[(v["purpose"], version)])))
            born = birthdays.get(cid) if cid is not None else None
            if born is not None and _age(born, local_day) < minor_age \
                    and not v.get("guardian_name"):
                problems.append(RowProblem(i, "guardian_name", _(
                    "The customer is under %(age)s: a guardian must consent (their name is "
                    "required).", age=minor_age)))
        if len(problems) > found or cid is None:
            continue
        for ch in ([channel] if channel else _CHANNELS):
            answers.append(Answer(i, cid, v["purpose"], ch, action, at,
                                  version if action is ConsentAction.GIVEN else None,
                                  v.get("evidence"), v.get("guardian_name")))
    return answers, problems


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birthdays(ctx: Ctx, customer_ids: set[int]) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    ordered = sorted(customer_ids)
    for i in range(0, len(ordered), 900):
        out.update(ctx.session.execute(
            select(Customer.id, Customer.birthday)
            .where(Customer.brand_id == ctx.brand_id, Customer.id.in_(ordered[i:i + 900]),
                   Customer.birthday.is_not(None))).all())
    return out


def write_answers(ctx: Ctx, answers: Sequence[Answer], source: ConsentSource) -> int:
    """Append checked answers (inside ``ctx.write()``); an answer already recorded at the
    same instant is skipped. Returns the count written."""
    now = ctx.now()
    rows = [{"brand_id": ctx.brand_id, "customer_id": a.customer_id, "purpose": a.purpose,
             "channel": a.channel, "action": a.action.value, "at": a.at,
             "notice_version": a.notice_version, "source": source.value,
             "evidence": a.evidence, "guardian_name": a.guardian_name,
             "recorded_by": ctx.user, "recorded_at": now} for a in answers]
    return insert_ignore(ctx, ConsentRecord.__table__, rows,
                         ("brand_id", "customer_id", "purpose", "channel", "action", "at"))


def record_answers(ctx: Ctx, rows: Sequence[Mapping[str, Any]], action: ConsentAction,
                   source: ConsentSource) -> int:
    """Check and record answers, all or nothing: any problem raises
    :class:`ValidationFailed` (``N.field`` keys for more than one row) and writes nothing.
    Returns the count of ledger rows written (0 when all were already there)."""
    require_enabled(ctx)
    answers, problems = check_answers(ctx, rows, action)
    raise_row_problems(problems, len(rows))
    with ctx.write():
        return write_answers(ctx, answers, source)


def give(ctx: Ctx, data: Mapping[str, Any], source: ConsentSource) -> int:
    """Record one consent (a batch of one)."""
    return record_answers(ctx, [data], ConsentAction.GIVEN, source)


def withdraw(ctx: Ctx, data: Mapping[str, Any], source: ConsentSource) -> int:
    """Record one withdrawal, for one channel or (without ``channel``) all of them; it
    takes effect at once (P4)."""
    return record_answers(ctx, [data], ConsentAction.WITHDRAWN, source)


# -- state ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentState:
    """Where one consent stands: its latest record."""

    purpose: str
    channel: str
    live: bool
    since: dt.datetime
    notice_version: str | None
    source: str


def _latest(ctx: Ctx, at: dt.datetime, customer_ids: Sequence[int] | None = None,
            purpose: str | None = None) -> Any:
    """A subquery: the latest record of each (customer, purpose, channel) at ``at``
    (withdrawals sort after consents of the same instant, so they win)."""
    rank = func.row_number().over(
        partition_by=(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.channel),
        order_by=(ConsentRecord.at.desc(), ConsentRecord.action.desc(),
                  ConsentRecord.id.desc()))
    stmt = (select(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.channel,
                   ConsentRecord.action, ConsentRecord.at, ConsentRecord.notice_version,
                   ConsentRecord.source, rank.label("rank"))
            .where(ConsentRecord.brand_id == ctx.brand_id, ConsentRecord.at <= at))
    if customer_ids is not None:
        stmt = stmt.where(ConsentRecord.customer_id.in_(customer_ids))
    if purpose is not None:
        stmt = stmt.where(ConsentRecord.purpose == purpose)
    return stmt.subquery()


def consent_states(ctx: Ctx, customer_id: int, at: dt.datetime | None = None
                   ) -> list[ConsentState]:
    """Every consent of a customer as it stands at ``at`` (default now)."""
    latest = _latest(ctx, at or ctx.now(), [customer_id])
    rows = ctx.session.execute(
        select(latest.c.purpose, latest.c.channel, latest.c.action, latest.c.at,
               latest.c.notice_version, latest.c.source)
        .where(latest.c.rank == 1).order_by(latest.c.purpose, latest.c.channel))
    return [ConsentState(str(p), str(ch), str(a) == ConsentAction.GIVEN.value, at_, v, str(s))
            for p, ch, a, at_, v, s in rows]


def live_consents(ctx: Ctx, customer_ids: Sequence[int], purpose: str,
                  at: dt.datetime | None = None) -> dict[int, set[str]]:
    """``{customer_id: channels}`` with a live consent for ``purpose`` at ``at``."""
    out: dict[int, set[str]] = {}
    ordered = sorted(set(customer_ids))
    for i in range(0, len(ordered), 900):
        latest = _latest(ctx, at or ctx.now(), ordered[i:i + 900], purpose)
        for cid, channel in ctx.session.execute(
                select(latest.c.customer_id, latest.c.channel)
                .where(latest.c.rank == 1, latest.c.action == ConsentAction.GIVEN.value)):
            out.setdefault(cid, set()).add(str(channel))
    return out


def contact_refusals(ctx: Ctx, request: ContactRequest) -> dict[int, str] | None:
    """The ``crm_can_contact`` answer: customers without a live consent for the purpose on
    the channel (any channel for a rep's task) when the brand requires consent for it."""
    if request.purpose not in get_setting(ctx, "kyc.contact_purposes"):
        return None
    live = live_consents(ctx, request.customer_ids, request.purpose)
    if request.channel == ANY_CHANNEL:
        return {cid: _("no live %(purpose)s consent on any channel",
                       purpose=label("kyc.purpose", request.purpose))
                for cid in request.customer_ids if not live.get(cid)}
    channel = CONTACT_CHANNELS.get(request.channel, request.channel)
    return {cid: _("no live %(purpose)s consent for %(channel)s",
                   purpose=label("kyc.purpose", request.purpose),
                   channel=label("kyc.channel", channel))
            for cid in request.customer_ids if channel not in live.get(cid, ())}


@dataclass(frozen=True, slots=True)
class ReconsentDue:
    """A customer whose live consent answered a notice version since replaced materially."""

    customer_ref: str
    purpose: str
    channel: str
    answered_version: str | None
    current_version: str


def reconsent_due(ctx: Ctx, purpose: str | None = None) -> list[ReconsentDue]:
    """Customers to ask again: their live consent answered a version older than the
    purpose's latest material notice in effect today (P1)."""
    today = ctx.local_today()
    current: dict[str, tuple[str, dt.date]] = {}
    for p, version, day in ctx.session.execute(
            select(ConsentNotice.purpose, ConsentNotice.version, ConsentNotice.effective_on)
            .where(ConsentNotice.brand_id == ctx.brand_id, ConsentNotice.material.is_(True),
                   ConsentNotice.effective_on <= today)
            .order_by(ConsentNotice.effective_on, ConsentNotice.id)):
        current[str(p)] = (version, day)
    versions = _versions(ctx)
    latest = _latest(ctx, ctx.now(), purpose=purpose)
    rows = ctx.session.execute(
        select(Customer.customer_ref, latest.c.purpose, latest.c.channel,
               latest.c.notice_version)
        .join(Customer, and_(Customer.id == latest.c.customer_id,
                             Customer.merged_into_id.is_(None)))
        .where(latest.c.rank == 1, latest.c.action == ConsentAction.GIVEN.value)
        .order_by(Customer.customer_ref, latest.c.purpose, latest.c.channel))
    due = []
    for ref, p, channel, version in rows:
        if str(p) not in current:
            continue
        now_version, since = current[str(p)]
        answered = versions.get((str(p), version)) if version else None
        if version != now_version and (answered is None or answered < since):
            due.append(ReconsentDue(ref, str(p), str(channel), version, now_version))
    return due



# -- import --------------------------------------------------------------------------------

IMPORT_COLUMNS = ("customer_ref", "purpose", "channel", "notice_version", "given_at")
IMPORT_OPTIONAL = ("withdrawn_at", "evidence", "guardian_name")


@dataclass(frozen=True, slots=True)
class ConsentImport:
    """What an import did: CSV rows read, ledger rows written (0 on a re-run)."""

    rows: int
    written: int


def import_consents(ctx: Ctx, path: str | Path) -> ConsentImport:
    """Import ``customer_ref,purpose,channel,notice_version,given_at[,withdrawn_at]`` rows
    (the ``consents`` import kind): all or nothing, every error named by line and column
    (:class:`RowErrors`), idempotent (the same file again
    writes nothing). A row with ``withdrawn_at`` records the consent and its withdrawal."""
    require_enabled(ctx)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in IMPORT_COLUMNS if c not in header]
        if missing:
            raise ValidationFailed({"header": [_("Missing columns: %(columns)s.",
                                                 columns=", ".join(missing))]})
        raw = [(n, row) for n, row in enumerate(reader, start=2)]
    gives, withdrawals = [], []
    give_lines, withdraw_lines = [], []
    for line, row in raw:
        cells = {k: (v or "") for k, v in row.items() if k in IMPORT_COLUMNS + IMPORT_OPTIONAL}
        given = {**cells, "at": cells.pop("given_at", "")}
        withdrawn_at = given.pop("withdrawn_at", "")
        gives.append(given)
        give_lines.append(line)
        if withdrawn_at.strip():
            withdrawals.append({"customer_ref": given.get("customer_ref", ""),
                                "purpose": given.get("purpose", ""),
                                "channel": given.get("channel", ""), "at": withdrawn_at})
            withdraw_lines.append(line)
    errors: list[RowError] = []

    def note(lines: list[int], problems: list[RowProblem], renamed: dict[str, str]) -> None:
        errors.extend(RowError(lines[p.index], renamed.get(p.field, p.field), p.message)
                      for p in problems)

    for i, row in enumerate(gives):
        if not str(row.get("at", "")).strip():
            errors.append(RowError(give_lines[i], "given_at",
                                   _("Missing data for required field.")))
    given_answers, problems = check_answers(ctx, gives, ConsentAction.GIVEN)
    note(give_lines, problems, {"at": "given_at"})
    withdrawn_answers, problems = check_answers(ctx, withdrawals, ConsentAction.WITHDRAWN)
    note(withdraw_lines, problems, {"at": "withdrawn_at"})
    given_at = {give_lines[a.index]: a.at for a in given_answers}
    for w in withdrawn_answers:
        line = withdraw_lines[w.index]
        if line in given_at and w.at < given_at[line]:
            errors.append(RowError(line, "withdrawn_at",
                                   _("Must not be before %(column)s.", column="given_at")))
    if errors:
        raise RowErrors(errors)
    with ctx.write():
        written = write_answers(ctx, given_answers, ConsentSource.IMPORT)
        written += write_answers(ctx, withdrawn_answers, ConsentSource.IMPORT)
    return ConsentImport(len(raw), written)
