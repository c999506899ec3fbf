"""Referral codes and recording referrals: the one write path (CLI, API, link, import).

Every row is checked and every problem named before anything is written:

- refused: an unknown referrer or customer, self-referral, two records sharing a phone or
  WeChat lookup hash, a referred customer who is a rep of the brand (only customers bring
  customers), a customer who had bought before the referral (not a new customer), a
  customer already referred (a customer has at most one referrer);
- held for review: a circular referral (B refers A after A referred B) and a burst (more
  than ``referral.burst_limit`` referrals by one referrer in a day).

Depth is one by construction: a reward goes to the direct referrer only.
"""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.api import (
    AwareDateTime,
    BrandScopedSchema,
    Ctx,
    Customer,
    DomainError,
    Lead,
    LeadChannel,
    Order,
    OrderStatus,
    Rep,
    RowError,
    RowErrors,
    RowProblem,
    ValidationFailed,
    _,
    clean_row,
    get_setting,
    insert_ignore,
    load_or_raise,
    raise_row_problems,
    record_audit,
    require_module,
    resolve_customer,
    resolve_customer_refs,
)
from plugins.referral.models import (
    Referral,
    ReferralCode,
    ReferralCoupon,
    ReferralLinkView,
    ReferralReward,
    ReferralStatus,
    RewardStatus,
)

MODULE = "referral"
# No 0/O, 1/I/L: a code read out on the phone or copied from a poster stays right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def require_enabled(ctx: Ctx) -> None:
    """Refuse calls for a brand that has not enabled the module."""
    require_module(ctx, MODULE)


# -- codes ---------------------------------------------------------------------------------


def code_for(ctx: Ctx, customer_ref: str) -> str:
    """The customer's code, made the first time it is asked for."""
    require_enabled(ctx)
    with ctx.write():
        customer = resolve_customer(ctx, customer_ref)
        code = ctx.session.scalar(select(ReferralCode.code).where(
            ReferralCode.brand_id == ctx.brand_id, ReferralCode.customer_id == customer.id))
        if code is not None:
            return code
        code = unique_code(ctx, ReferralCode, CODE_LENGTH)
        ctx.session.add(ReferralCode(brand_id=ctx.brand_id, customer_id=customer.id,
                                     code=code, created_at=ctx.now()))
    return code


def unique_code(ctx: Ctx, model: Any, length: int) -> str:
    """A random code of ``length`` unambiguous characters, not yet used in the brand by
    ``model`` (a referral code, a coupon)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if ctx.session.scalar(select(model.id).where(
                model.brand_id == ctx.brand_id, model.code == code)) is None:
            return code


def customer_of_code(ctx: Ctx, code: str) -> int | None:
    """The customer a code belongs to (codes are read case-insensitively)."""
    return ctx.session.scalar(select(ReferralCode.customer_id).where(
        ReferralCode.brand_id == ctx.brand_id, ReferralCode.code == code.strip().upper()))


def record_view(ctx: Ctx, code: str) -> None:
    """Count one opening of a code's landing page, on the brand-local day.

    The counter is anonymous traffic (no person, no decision), so it is written on the
    connection, outside the audit log: an audit row per page view would bury the entries
    people read there."""
    code_id = ctx.session.scalar(select(ReferralCode.id).where(
        ReferralCode.brand_id == ctx.brand_id, ReferralCode.code == code.strip().upper()))
    if code_id is None:
        return
    day = ctx.now().astimezone(ctx.tz).date()
    table = ReferralLinkView.__table__
    with ctx.write():
        conn = ctx.session.connection()
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(dialect_insert(table).values(brand_id=ctx.brand_id, code_id=code_id,
                                                  day=day, views=0).on_conflict_do_nothing())
        conn.execute(update(table).where(table.c.brand_id == ctx.brand_id,
                                         table.c.code_id == code_id, table.c.day == day)
                     .values(views=table.c.views + 1))


# -- recording -----------------------------------------------------------------------------


class ReferralSchema(BrandScopedSchema):
    referrer_ref = fields.String(validate=validate.Length(min=1, max=64))
    code = fields.String(validate=validate.Length(min=1, max=16))
    referred_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    referred_at = AwareDateTime()


@dataclass(frozen=True, slots=True)
class Checked:
    """A referral ready to write."""

    index: int
    referrer_id: int
    referred_id: int
    referred_at: dt.datetime
    status: ReferralStatus
    hold_reason: str | None


def _hashes(ctx: Ctx, ids: set[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for cid, phone, wechat in ctx.session.execute(
            select(Customer.id, Customer.phone_hash, Customer.wechat_hash)
            .where(Customer.brand_id == ctx.brand_id, Customer.id.in_(sorted(ids)))):
        out[cid] = {h for h in (phone, wechat) if h}
    return out


def check_referrals(ctx: Ctx, rows: Sequence[Mapping[str, Any]]
                    ) -> tuple[list[Checked], list[RowProblem]]:
    """Validate every row (see the module docstring); the referrals and every problem."""
    problems: list[RowProblem] = []
    loaded: list[tuple[int, dict[str, Any]]] = []
    schema = ReferralSchema(tz=ctx.tz)
    for i, row in enumerate(rows):
        try:  # translated messages; unknown fields refused in an API request
            values = load_or_raise(schema, clean_row(row))
        except ValidationFailed as exc:
            problems += [RowProblem(i, f, m) for f, msgs in exc.errors.items() for m in msgs]
            continue
        if not values.get("referrer_ref") and not values.get("code"):
            problems.append(RowProblem(i, "referrer_ref", _("Give the referrer or their code.")))
            continue
        loaded.append((i, values))
    refs = {v["referred_ref"] for _i, v in loaded} | {
        v["referrer_ref"] for _i, v in loaded if v.get("referrer_ref")}
    ids = resolve_customer_refs(ctx, refs)
    now = ctx.now()
    burst = int(get_setting(ctx, "referral.burst_limit"))
    rep_hashes = set(ctx.session.scalars(select(Rep.phone_hash).where(
        Rep.brand_id == ctx.brand_id, Rep.phone_hash.is_not(None))))
    out: list[Checked] = []
    in_batch: dict[int, int] = {}  # referred -> row
    per_day: dict[tuple[int, dt.date], int] = {}
    candidates: list[tuple[int, int, int, dt.datetime]] = []
    for i, v in loaded:
        found = len(problems)
        if v.get("code"):
            referrer = customer_of_code(ctx, v["code"])
            if referrer is None:
                problems.append(RowProblem(i, "code", _("No referral code %(code)s.",
                                                     code=v["code"])))
        else:
            referrer = ids.get(v["referrer_ref"])
            if referrer is None:
                problems.append(RowProblem(i, "referrer_ref", _(
                    "No customer with reference %(ref)s.", ref=v["referrer_ref"])))
        referred = ids.get(v["referred_ref"])
        if referred is None:
            problems.append(RowProblem(i, "referred_ref", _(
                "No customer with reference %(ref)s.", ref=v["referred_ref"])))
        at = v.get("referred_at") or now
        if at > now + dt.timedelta(minutes=5):
            problems.append(RowProblem(i, "referred_at", _("Must not be in the future.")))
        if len(problems) > found or referrer is None or referred is None:
            continue
        if referred in in_batch:
            problems.append(RowProblem(i, "referred_ref", _(
                "A customer has one referrer: %(ref)s is already on row %(row)s.",
                ref=v["referred_ref"], row=in_batch[referred] + 1)))
            continue
        in_batch[referred] = i
        candidates.append((i, referrer, referred, at))
    if not candidates:
        return out, problems
    people = {c[1] for c in candidates} | {c[2] for c in candidates}
    hashes = _hashes(ctx, people)
    referred_ids = sorted({c[2] for c in candidates})
    already = dict(ctx.session.execute(
        select(Referral.referred_id, Referral.referrer_id).where(
            Referral.brand_id == ctx.brand_id, Referral.referred_id.in_(referred_ids))).all())
    first_order = dict(ctx.session.execute(
        select(Order.customer_id, func.min(Order.ordered_at)).where(
            Order.brand_id == ctx.brand_id, Order.customer_id.in_(referred_ids),
            Order.status != OrderStatus.CANCELLED)
        .group_by(Order.customer_id)).all())
    referrers = sorted({c[1] for c in candidates})
    referred_by = dict(ctx.session.execute(
        select(Referral.referred_id, Referral.referrer_id).where(
            Referral.brand_id == ctx.brand_id, Referral.referred_id.in_(referrers))).all())
    for i, referrer, referred, at in candidates:
        if referrer == referred:
            problems.append(RowProblem(i, "referred_ref", _("A customer cannot refer themself.")))
            continue
        if hashes.get(referrer, set()) & hashes.get(referred, set()):
            problems.append(RowProblem(i, "referred_ref", _(
                "The two customers share a phone or WeChat: not a referral.")))
            continue
        if hashes.get(referred, set()) & rep_hashes:
            problems.append(RowProblem(i, "referred_ref", _(
                "The customer is a rep of the brand: only customers are referred.")))
            continue
        if referred in already:
            if already[referred] != referrer:
                problems.append(RowProblem(i, "referred_ref", _(
                    "This customer already has a referrer.")))
            continue  # the same referral again: nothing to do (idempotent)
        bought = first_order.get(referred)
        if bought is not None and _aware(bought) < at:
            problems.append(RowProblem(i, "referred_ref", _(
                "The customer had bought before the referral: not a new customer.")))
            continue
        day = at.astimezone(ctx.tz).date()
        per_day[(referrer, day)] = per_day.get((referrer, day), 0) + 1
        status, reason = ReferralStatus.PENDING, None
        if referred_by.get(referrer) == referred:
            status, reason = ReferralStatus.HELD, "circular"
        elif _referrals_on(ctx, referrer, day) + per_day[(referrer, day)] > burst:
            status, reason = ReferralStatus.HELD, "burst"
        out.append(Checked(i, referrer, referred, at, status, reason))
    return out, problems


def _aware(moment: dt.datetime) -> dt.datetime:
    # An aggregate (MIN) over a UTC column comes back naive on SQLite.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _referrals_on(ctx: Ctx, referrer: int, day: dt.date) -> int:
    start = dt.datetime.combine(day, dt.time.min, ctx.tz).astimezone(dt.UTC)
    return ctx.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.brand_id == ctx.brand_id, Referral.referrer_id == referrer,
        Referral.referred_at >= start,
        Referral.referred_at < start + dt.timedelta(days=1))) or 0


def record_referrals(ctx: Ctx, rows: Sequence[Mapping[str, Any]], source: str) -> int:
    """Check and write referrals, all or nothing (``ValidationFailed`` naming each field,
    ``N.field`` for batches). Returns the count written (0 when all were there)."""
    require_enabled(ctx)
    checked, problems = check_referrals(ctx, rows)
    raise_row_problems(problems, len(rows))
    return _write(ctx, checked, source)


IMPORT_COLUMNS = ("referrer_ref", "referred_ref", "referred_at")


def import_referrals(ctx: Ctx, path: str | Path) -> int:
    """The ``referrals`` import kind: ``referrer_ref,referred_ref,referred_at`` (or a
    ``code`` instead of ``referrer_ref``) rows, all or nothing: every invalid row in
    :class:`RowErrors` (line, column, reason). Returns the count written (0 when all were
    there: idempotent)."""
    require_enabled(ctx)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in ("referred_ref", "referred_at") if c not in header]
        if missing or not ({"referrer_ref", "code"} & set(header)):
            raise ValidationFailed({"header": [_("Missing columns: %(columns)s.",
                                                 columns=", ".join(missing or ["referrer_ref"]))]})
        rows = [{k: v for k, v in r.items() if k in (*IMPORT_COLUMNS, "code") and v}
                for r in reader]
    checked, problems = check_referrals(ctx, rows)
    if problems:  # the header is line 1
        raise RowErrors([RowError(p.index + 2, p.field, p.message) for p in problems])
    return _write(ctx, checked, "import")


def _write(ctx: Ctx, checked: Sequence[Checked], source: str) -> int:
    """Append checked referrals; one already recorded for the customer is skipped."""
    now = ctx.now()
    with ctx.write():
        return insert_ignore(ctx, Referral.__table__, [
            {"brand_id": ctx.brand_id, "referrer_id": c.referrer_id,
             "referred_id": c.referred_id, "referred_at": c.referred_at, "source": source,
             "status": c.status.value, "hold_reason": c.hold_reason, "order_id": None,
             "qualifies_on": None, "decided_at": None, "decision_reason": None,
             "reviewed_by": None, "created_at": now} for c in checked],
            ("brand_id", "referred_id"))


def attribute_new_customers(ctx: Ctx, customer_ids: Sequence[int]) -> int:
    """New customers who left their phone on a referral link (a lead of channel
    ``referral``) within the attribution window become referrals of that link's referrer,
    dated when they left it; the first such lead counts. Rows the rules refuse (the same
    person, a rep) are left out. Returns the count recorded."""
    if not customer_ids:
        return 0
    phones = dict(ctx.session.execute(
        select(Customer.id, Customer.phone_hash).where(
            Customer.brand_id == ctx.brand_id, Customer.id.in_(list(customer_ids)),
            Customer.phone_hash.is_not(None))).all())
    if not phones:
        return 0
    since = ctx.now() - dt.timedelta(days=int(get_setting(ctx, "referral.attribution_days")))
    first: dict[str, tuple[dt.datetime, int]] = {}
    for phone, referrer, at in ctx.session.execute(
            select(Lead.phone_hash, Lead.referrer_customer_id, Lead.created_at)
            .where(Lead.brand_id == ctx.brand_id, Lead.channel == LeadChannel.REFERRAL.value,
                   Lead.referrer_customer_id.is_not(None), Lead.created_at >= since,
                   Lead.phone_hash.in_(list(set(phones.values()))))
            .order_by(Lead.created_at, Lead.id)):
        first.setdefault(phone, (at, referrer))
    refs = dict(ctx.session.execute(select(Customer.id, Customer.customer_ref).where(
        Customer.brand_id == ctx.brand_id,
        Customer.id.in_(list(phones) + [r for _a, r in first.values()]))).all())
    rows = [{"referrer_ref": refs[first[h][1]], "referred_ref": refs[cid],
             "referred_at": first[h][0]}
            for cid, h in phones.items() if h in first and first[h][1] in refs]
    checked, _problems = check_referrals(ctx, rows)
    return _write(ctx, checked, "link") if checked else 0


def review(ctx: Ctx, referral_id: int, approve: bool, reason: str | None = None) -> Referral:
    """A manager's decision (audited) on a referral held for review (circular, burst) or on
    a qualified one whose referrer reward the monthly cap held. Approved: the referral
    goes back to pending, or the reward is granted by the next run; rejected (a reason is
    required): the referral, or the held reward, is final."""
    require_enabled(ctx)
    if not approve and not (reason or "").strip():
        raise ValidationFailed({"reason": [_("A rejection must give the reason.")]})
    with ctx.write():
        referral = ctx.session.scalar(select(Referral).where(
            Referral.brand_id == ctx.brand_id, Referral.id == referral_id))
        if referral is None:
            raise ValidationFailed({"referral": [_("No referral %(id)s.", id=referral_id)]})
        held_reward = ctx.session.scalar(select(ReferralReward).where(
            ReferralReward.brand_id == ctx.brand_id, ReferralReward.referral_id == referral.id,
            ReferralReward.status == RewardStatus.HELD.value))
        if referral.status is ReferralStatus.HELD:
            referral.status = ReferralStatus.PENDING if approve else ReferralStatus.REJECTED
            if not approve:
                referral.decided_at = ctx.now()
            what = referral.hold_reason
        elif held_reward is not None:
            held_reward.status = RewardStatus.QUALIFIED if approve else RewardStatus.REJECTED
            what = "monthly cap"
        else:
            raise DomainError(_("Referral %(id)s is %(status)s: nothing waits for review.",
                                id=referral_id, status=referral.status.value),
                              code="bad_status")
        referral.reviewed_by, referral.decision_reason = ctx.user, (reason or None)
        record_audit(ctx, "referral_review", record_type="referrals", record_id=referral.id,
                     details={"decision": "approve" if approve else "reject",
                              "held_for": what, "reason": reason})
    return referral


# -- merges --------------------------------------------------------------------------------


def on_customers_merged(ctx: Ctx, survivor_id: int, merged_ids: Sequence[int]) -> None:
    """Re-point the merged records' programme to the survivor: the referrals they made,
    their rewards and coupons (a coupon stays spendable by the same person), the referral
    that brought one of them when the survivor has none, and a code when the survivor has
    none. A referral the merge would turn into a self-referral is left as it was."""
    ids = sorted(set(merged_ids) - {survivor_id})
    if not ids:
        return
    brand = ctx.brand_id
    ctx.session.execute(update(Referral).where(
        Referral.brand_id == brand, Referral.referrer_id.in_(ids),
        Referral.referred_id != survivor_id).values(referrer_id=survivor_id)
        .execution_options(synchronize_session=False))
    if ctx.session.scalar(select(Referral.id).where(
            Referral.brand_id == brand, Referral.referred_id == survivor_id)) is None:
        first = ctx.session.scalar(select(Referral).where(
            Referral.brand_id == brand, Referral.referred_id.in_(ids),
            Referral.referrer_id != survivor_id).order_by(Referral.referred_at).limit(1))
        if first is not None:
            first.referred_id = survivor_id
    for model in (ReferralReward, ReferralCoupon):
        ctx.session.execute(update(model).where(
            model.brand_id == brand, model.customer_id.in_(ids))
            .values(customer_id=survivor_id).execution_options(synchronize_session=False))
    if ctx.session.scalar(select(ReferralCode.id).where(
            ReferralCode.brand_id == brand, ReferralCode.customer_id == survivor_id)) is None:
        code = ctx.session.scalar(select(ReferralCode).where(
            ReferralCode.brand_id == brand, ReferralCode.customer_id.in_(ids))
            .order_by(ReferralCode.created_at).limit(1))
        if code is not None:
            code.customer_id = survivor_id
    ctx.session.flush()
