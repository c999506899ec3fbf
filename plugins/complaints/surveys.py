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
import random
import secrets
from collections.abc import Sequence
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
from plugins.complaints.models import SURVEY_KINDS, Survey, Ticket

PURPOSE = "survey"
SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def token(survey: Survey) -> str:
    """The survey's one-time link token."""
    return sign_token({"s": survey.id, "n": survey.nonce}, PURPOSE)


def _rows(ctx: Ctx, kind: str, targets: Sequence[dict[str, Any]]) -> int:
    """Insert the surveys the contact gate allows; returns how many were created."""
    now = ctx.now()
    days = get_setting(ctx, "complaints.survey_days")
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
                     "score": None, "comment": None})
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


def answer(ctx: Ctx, text: str, score: Any, comment: str | None) -> Survey:
    """Record the answer of the survey behind ``text``: once, before it expires."""
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
        if value is None or not low <= value <= high:
            raise ValidationFailed({"score": [_("Choose a score from %(low)s to %(high)s.",
                                                low=low, high=high)]})
        if comment and len(comment) > 2000:
            raise ValidationFailed({"comment": [_("At most 2000 characters.")]})
        survey.score, survey.comment, survey.answered_at = value, comment or None, ctx.now()
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
