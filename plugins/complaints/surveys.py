"""Satisfaction surveys: CSAT (1-5) when a ticket is resolved, NPS (0-10) to a monthly
sample of active customers, CES (1-7) after a service contact; answered once on a public
page reached by a signed, expiring token; sent only where the contact gate allows.

Figures per month (brand timezone), overall, per rep and per category:
CSAT = average score; NPS = promoters % (9-10) - detractors % (0-6); CES = average score.
For the churn-risk rule, every score is put on one 0-100 scale:
CSAT (s-1)/4, NPS s/10, CES (s-1)/6 (x 100); a customer's satisfaction is the average.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from core.api import (
    SERVICE,
    Ctx,
    Customer,
    Interaction,
    NotFound,
    Order,
    OrderStatus,
    Rep,
    ValidationFailed,
    _,
    get_setting,
    insert_ignore,
    may_contact,
    read_token,
    sign_token,
)
from plugins.complaints.models import SURVEY_KINDS, Survey, SurveyTemplate, Ticket

PURPOSE = "survey"
SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
QUESTION_TYPES = {"likert5": (1, 5), "scale10": (0, 10), "choice": None, "text": None}
LOCALES = ("en", "zh_Hans_CN", "zh_Hant_TW")
MAX_QUESTIONS = 15  # the kind's scored question included
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


# -- templates -----------------------------------------------------------------------------


def _texts(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(loc), str) and 0 < len(value[loc].strip()) <= 300
        for loc in LOCALES)


def check_questions(questions: Any) -> list[dict[str, Any]]:
    """A template's extra questions, checked: a list of at most 14 objects with ``key``,
    ``type`` (likert5, scale10, choice, text), ``text`` in the three languages, optional
    ``required``; a choice has 2 to 10 ``choices`` (``value`` and ``text``). Every problem
    is named (``questions.<n>.<field>``)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(questions, list):
        raise ValidationFailed({"questions": [_("Give a list of questions.")]})
    if len(questions) > MAX_QUESTIONS - 1:
        errors["questions"] = [_("At most %(n)s questions besides the score question.",
                                 n=MAX_QUESTIONS - 1)]
    seen: set[str] = set()
    for i, q in enumerate(questions):
        at = f"questions.{i}"
        if not isinstance(q, dict):
            errors[at] = [_("Each question is an object.")]
            continue
        key = q.get("key")
        if not isinstance(key, str) or not KEY.match(key) or key in seen:
            errors[f"{at}.key"] = [_("A unique key of lower-case letters, digits and _.")]
        else:
            seen.add(key)
        if q.get("type") not in QUESTION_TYPES:
            errors[f"{at}.type"] = [_("Must be one of: %(choices)s.",
                                      choices=", ".join(QUESTION_TYPES))]
        if not _texts(q.get("text")):
            errors[f"{at}.text"] = [_("The question in en, zh_Hans_CN and zh_Hant_TW.")]
        if q.get("type") == "choice":
            choices = q.get("choices")
            if not isinstance(choices, list) or not 2 <= len(choices) <= 10 or not all(
                    isinstance(c, dict) and isinstance(c.get("value"), str)
                    and c["value"] and _texts(c.get("text")) for c in choices) or len(
                    {c["value"] for c in choices}) != len(choices):
                errors[f"{at}.choices"] = [_("2 to 10 choices, each with a distinct value "
                                             "and a text in the three languages.")]
    if errors:
        raise ValidationFailed(errors)
    return [{"key": q["key"], "type": q["type"], "text": q["text"],
             "required": bool(q.get("required", False)),
             **({"choices": q["choices"]} if q["type"] == "choice" else {})}
            for q in questions]


def set_template(ctx: Ctx, kind: str, questions: Any) -> list[dict[str, Any]]:
    """Replace the brand's extra questions for ``kind`` (surveys sent before keep theirs)."""
    if kind not in SURVEY_KINDS:
        raise ValidationFailed({"kind": [_("Must be one of: %(choices)s.",
                                           choices=", ".join(SURVEY_KINDS))]})
    checked = check_questions(questions)
    with ctx.write():
        row = ctx.session.scalar(select(SurveyTemplate).where(
            SurveyTemplate.brand_id == ctx.brand_id, SurveyTemplate.kind == kind))
        if row is None:
            row = SurveyTemplate(brand_id=ctx.brand_id, kind=kind)
            ctx.session.add(row)
        row.questions = json.dumps(checked, ensure_ascii=False)
        row.updated_by, row.updated_at = ctx.user, ctx.now()
    return checked


def template(ctx: Ctx, kind: str) -> list[dict[str, Any]]:
    """The brand's extra questions for ``kind`` (none by default)."""
    text = ctx.session.scalar(select(SurveyTemplate.questions).where(
        SurveyTemplate.brand_id == ctx.brand_id, SurveyTemplate.kind == kind))
    return json.loads(text) if text else []


def questions_of(survey: Survey) -> list[dict[str, Any]]:
    """The extra questions the survey was sent with."""
    return json.loads(survey.questions) if survey.questions else []


def _clean_answers(survey: Survey, given: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for q in questions_of(survey):
        raw = str(given.get(q["key"]) or "").strip()
        if not raw:
            if q.get("required"):
                errors[q["key"]] = [_("Missing data for required field.")]
            continue
        bounds = QUESTION_TYPES[q["type"]]
        if bounds:
            value = int(raw) if raw.lstrip("-").isdigit() else None
            if value is None or not bounds[0] <= value <= bounds[1]:
                errors[q["key"]] = [_("Choose a score from %(low)s to %(high)s.",
                                      low=bounds[0], high=bounds[1])]
            out[q["key"]] = value
        elif q["type"] == "choice":
            if raw not in {c["value"] for c in q["choices"]}:
                errors[q["key"]] = [_("Choose one of the answers.")]
            out[q["key"]] = raw
        else:
            if len(raw) > 2000:
                errors[q["key"]] = [_("At most 2000 characters.")]
            out[q["key"]] = raw
    if errors:
        raise ValidationFailed(errors)
    return out


def token(survey: Survey) -> str:
    """The survey's one-time link token."""
    return sign_token({"s": survey.id, "n": survey.nonce}, PURPOSE)


def _rows(ctx: Ctx, kind: str, targets: Sequence[dict[str, Any]]) -> int:
    """Insert the surveys the contact gate allows; returns how many were created."""
    now = ctx.now()
    days = get_setting(ctx, "complaints.survey_days")
    extra = template(ctx, kind)
    questions = json.dumps(extra, ensure_ascii=False) if extra else None
    rows = []
    for t in targets:
        if not may_contact(ctx, t["customer_id"], purpose=SERVICE, kind="survey",
                           source_key=f"survey:{t['source_key']}", channel="sms"):
            continue
        rows.append({"brand_id": ctx.brand_id, "kind": kind, "source_key": t["source_key"],
                     "nonce": secrets.token_hex(12), "customer_id": t["customer_id"],
                     "rep_id": t.get("rep_id"), "ticket_id": t.get("ticket_id"),
                     "category": t.get("category"), "sent_at": now,
                     "expires_at": now + dt.timedelta(days=days), "answered_at": None,
                     "score": None, "comment": None, "questions": questions,
                     "answers": None})
    with ctx.write():
        return insert_ignore(ctx, Survey.__table__, rows, ("brand_id", "source_key"))


def _reps(ctx: Ctx, ids: set[int]) -> dict[int, int | None]:
    return dict(ctx.session.execute(select(Customer.id, Customer.rep_id).where(
        Customer.brand_id == ctx.brand_id, Customer.id.in_(ids))).all()) if ids else {}


def send_csat(ctx: Ctx, ticket: Ticket) -> int:
    """A CSAT survey for a resolved ticket's customer (once per ticket)."""
    if ticket.customer_id is None:
        return 0
    rep = _reps(ctx, {ticket.customer_id}).get(ticket.customer_id)
    return _rows(ctx, "csat", [{"source_key": f"csat:{ticket.id}",
                                "customer_id": ticket.customer_id, "rep_id": rep,
                                "ticket_id": ticket.id, "category": ticket.category}])


def send(ctx: Ctx, kind: str) -> int:
    """``nps``: a sample of active customers (a paid order in the last 12 months), up to
    ``complaints.nps_sample_size`` in the month (a second run tops the month up);
    ``ces``: one survey per call, visit or message with a customer in the last 24 hours.
    Returns how many were sent."""
    if kind not in ("nps", "ces"):
        raise ValidationFailed({"kind": [_("Must be one of: %(choices)s.",
                                           choices="nps, ces")]})
    now = ctx.now()
    if kind == "nps":
        month = now.astimezone(ctx.tz).strftime("%Y-%m")
        active = sorted(ctx.session.scalars(select(Order.customer_id).where(
            Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
            Order.ordered_at >= now - dt.timedelta(days=365), Order.ordered_at <= now)
            .distinct()).all())
        done = set(ctx.session.scalars(select(Survey.customer_id).where(
            Survey.brand_id == ctx.brand_id, Survey.source_key.like(f"nps:{month}:%"))))
        pool = [c for c in active if c not in done]
        size = max(get_setting(ctx, "complaints.nps_sample_size") - len(done), 0)
        picked = random.Random(f"{ctx.brand_id}:{month}").sample(pool, min(size, len(pool)))
        reps = _reps(ctx, set(picked))
        return _rows(ctx, "nps", [{"source_key": f"nps:{month}:{c}", "customer_id": c,
                                   "rep_id": reps.get(c)} for c in sorted(picked)])
    contacts = ctx.session.execute(select(Interaction.id, Interaction.customer_id,
                                          Interaction.rep_id).where(
        Interaction.brand_id == ctx.brand_id, Interaction.kind.in_(("call", "visit",
                                                                    "message")),
        Interaction.occurred_at > now - dt.timedelta(days=1),
        Interaction.occurred_at <= now).order_by(Interaction.id)).all()
    return _rows(ctx, "ces", [{"source_key": f"ces:{i}", "customer_id": c, "rep_id": r}
                              for i, c, r in contacts])


def open_survey(ctx: Ctx, text: str) -> Survey:
    """The survey of a link token (NotFound when the token is altered or unknown)."""
    data = read_token(text, PURPOSE) if len(text) < 200 else None
    survey = None if not data else ctx.session.scalar(select(Survey).where(
        Survey.brand_id == ctx.brand_id, Survey.id == data.get("s"),
        Survey.nonce == data.get("n")))
    if survey is None:
        raise NotFound(_("This link is not valid."))
    return survey


def answer(ctx: Ctx, text: str, score: Any, comment: str | None,
           extra: Mapping[str, Any] | None = None) -> Survey:
    """Record the answer of the survey behind ``text``: once, before it expires; ``extra``
    answers the template's questions (by key)."""
    with ctx.write():
        survey = open_survey(ctx, text)
        ctx.session.refresh(survey, with_for_update=True)
        if survey.answered_at is not None:
            raise ValidationFailed({"_schema": [_("This survey has already been answered.")]})
        if ctx.now() > survey.expires_at:
            raise ValidationFailed({"_schema": [_("This survey has expired.")]})
        low, high = SCALES[survey.kind]
        try:
            value = int(str(score))
        except ValueError:
            value = None
        errors: dict[str, list[str]] = {}
        if value is None or not low <= value <= high:
            errors["score"] = [_("Choose a score from %(low)s to %(high)s.", low=low,
                                 high=high)]
        if comment and len(comment) > 2000:
            errors["comment"] = [_("At most 2000 characters.")]
        try:
            answers = _clean_answers(survey, extra or {})
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        survey.score, survey.comment, survey.answered_at = value, comment or None, ctx.now()
        survey.answers = json.dumps(answers, ensure_ascii=False) if answers else None
    return survey


# -- figures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: ``kind`` (csat, nps, ces), the group (``all``, ``rep``, ``category``)
    and its key, how many answers, and the value (average, or NPS in points)."""

    kind: str
    group: str
    key: str
    responses: int
    value: Decimal


def _value(kind: str, scores: list[int]) -> Decimal:
    if kind == "nps":
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        raw = Decimal(100 * (promoters - detractors)) / len(scores)
    else:
        raw = Decimal(sum(scores)) / len(scores)
    return raw.quantize(Decimal("0.01"), ROUND_HALF_UP)


def stats(ctx: Ctx, period: str) -> list[Figure]:
    """CSAT, NPS and CES of the answers given in the month ``YYYY-MM`` (brand time):
    overall, per rep and per category (CSAT only: tickets have categories)."""
    try:
        first = dt.date.fromisoformat(f"{period}-01")
    except ValueError:
        raise ValidationFailed({"period": [_("Write the month as YYYY-MM.")]}) from None
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    since = dt.datetime.combine(first, dt.time.min, ctx.tz).astimezone(dt.UTC)
    until = dt.datetime.combine(nxt, dt.time.min, ctx.tz).astimezone(dt.UTC)
    rows = ctx.session.execute(
        select(Survey.kind, Survey.score, Rep.rep_ref, Survey.category)
        .outerjoin(Rep, Rep.id == Survey.rep_id)
        .where(Survey.brand_id == ctx.brand_id, Survey.answered_at >= since,
               Survey.answered_at < until)).all()
    groups: dict[tuple[str, str, str], list[int]] = {}
    for kind, score, rep_ref, category in rows:
        groups.setdefault((kind, "all", ""), []).append(score)
        groups.setdefault((kind, "rep", rep_ref or "-"), []).append(score)
        if category:
            groups.setdefault((kind, "category", category), []).append(score)
    order = {k: i for i, k in enumerate(SURVEY_KINDS)}
    return [Figure(kind, group, key, len(scores), _value(kind, scores))
            for (kind, group, key), scores in sorted(
                groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] != "all",
                                                kv[0][1], kv[0][2]))]


def satisfaction(ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime,
                 until: dt.datetime) -> dict[int, Decimal]:
    """Each customer's average satisfaction (0-100) over the answers in ``[since, until)``."""
    out: dict[int, list[Decimal]] = {}
    ids = list(customer_ids)
    for i in range(0, len(ids), 500):
        for cid, kind, score in ctx.session.execute(
                select(Survey.customer_id, Survey.kind, Survey.score).where(
                    Survey.brand_id == ctx.brand_id, Survey.customer_id.in_(ids[i:i + 500]),
                    Survey.answered_at >= since, Survey.answered_at < until)):
            low, high = SCALES[kind]
            out.setdefault(cid, []).append(Decimal(100 * (score - low)) / (high - low))
    return {cid: (sum(v) / len(v)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for cid, v in out.items()}


def listing(ctx: Ctx) -> list[tuple[Survey, str]]:
    """The brand's surveys with their customer's ref, newest first."""
    return [(s, ref) for s, ref in ctx.session.execute(
        select(Survey, Customer.customer_ref).join(Customer, Customer.id == Survey.customer_id)
        .where(Survey.brand_id == ctx.brand_id).order_by(Survey.id.desc()).limit(1000))]


def counts(ctx: Ctx) -> dict[str, int]:
    """Surveys sent and answered, for the brand (all time)."""
    sent = ctx.session.scalar(select(func.count()).select_from(Survey).where(
        Survey.brand_id == ctx.brand_id)) or 0
    answered = ctx.session.scalar(select(func.count()).select_from(Survey).where(
        Survey.brand_id == ctx.brand_id, Survey.answered_at.is_not(None))) or 0
    return {"sent": sent, "answered": answered}
