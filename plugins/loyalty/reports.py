"""Read-only views of the ledger: balances report, rep pay (DS7), the customer page block."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup
from sqlalchemy import and_, case, func, or_, select

from core.api import (
    N_,
    Ctx,
    Customer,
    DataPart,
    PayItem,
    ProfileSection,
    Rep,
    _,
    label,
    register_labels,
)
from plugins.loyalty.models import (
    EntryKind,
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyTier,
    LoyaltyTierChange,
    SourceKind,
)
from plugins.loyalty.services import summary
from plugins.loyalty.settings import programme

BALANCE_COLUMNS = ("customer_ref", "tier", "earned", "redeemed", "expired", "reversed",
                   "balance")
HAND_BACK_SOURCES = (SourceKind.REFUND_POINTS.value, SourceKind.CANCELLATION_POINTS.value)


def _local_midnight(ctx: Ctx, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), ctx.tz).astimezone(dt.UTC)


def balances(ctx: Ctx, as_of: dt.date | None = None) -> list[tuple[str, str, int, int, int,
                                                                     int, int]]:
    """One row per member: ``customer_ref, tier, earned, redeemed, expired, reversed,
    balance`` counting entries effective up to the end of ``as_of`` (local date; default:
    now). One grouped query; ``balance = earned - redeemed - expired - reversed``.

    - earned: earn entries and positive adjustments;
    - redeemed: redemptions and negative adjustments, less points handed back by refunds
      or cancellations of orders paid with points;
    - expired: points expired;
    - reversed: earned points taken back by refunds and cancellations.
    """
    cutoff = _local_midnight(ctx, as_of + dt.timedelta(days=1)) if as_of else ctx.now()
    e = LoyaltyEntry
    kind, pts = e.kind, e.points
    is_hand_back = and_(kind == EntryKind.REVERSE.value, e.source_kind.in_(HAND_BACK_SOURCES))

    def total(condition: object, value: object) -> object:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    earned = total(or_(kind == EntryKind.EARN.value,
                       and_(kind == EntryKind.ADJUST.value, pts > 0)), pts)
    redeemed = total(or_(kind == EntryKind.REDEEM.value,
                         and_(kind == EntryKind.ADJUST.value, pts < 0), is_hand_back), -pts)
    expired = total(kind == EntryKind.EXPIRE.value, -pts)
    reversed_ = total(and_(kind == EntryKind.REVERSE.value, ~e.source_kind.in_(HAND_BACK_SOURCES)),
                      -pts)
    sums = (select(e.customer_id, earned.label("earned"), redeemed.label("redeemed"),
                   expired.label("expired"), reversed_.label("reversed"),
                   func.sum(pts).label("balance"))
            .where(e.brand_id == ctx.brand_id, e.effective_at < cutoff if as_of
                   else e.effective_at <= cutoff)
            .group_by(e.customer_id).subquery())
    tier_name = _tier_as_of(ctx, cutoff) if as_of else (
        select(LoyaltyTier.name).where(LoyaltyTier.id == LoyaltyAccount.tier_id)
        .scalar_subquery())
    stmt = (select(Customer.customer_ref, tier_name, sums.c.earned, sums.c.redeemed,
                   sums.c.expired, sums.c.reversed, sums.c.balance)
            .select_from(sums)
            .join(Customer, Customer.id == sums.c.customer_id)
            .join(LoyaltyAccount, and_(LoyaltyAccount.customer_id == Customer.id,
                                       LoyaltyAccount.brand_id == ctx.brand_id))
            .where(Customer.brand_id == ctx.brand_id)
            .order_by(Customer.customer_ref))
    return [(ref, tier or "", int(a), int(b), int(c), int(d), int(bal))
            for ref, tier, a, b, c, d, bal in ctx.session.execute(stmt)]


def _tier_as_of(ctx: Ctx, cutoff: dt.datetime) -> object:
    """Scalar subquery: the tier name of ``LoyaltyAccount``'s customer at ``cutoff``."""
    latest = (select(LoyaltyTierChange.new_tier_id)
              .where(LoyaltyTierChange.brand_id == ctx.brand_id,
                     LoyaltyTierChange.customer_id == LoyaltyAccount.customer_id,
                     LoyaltyTierChange.changed_at < cutoff)
              .order_by(LoyaltyTierChange.changed_at.desc(), LoyaltyTierChange.id.desc())
              .limit(1).correlate(LoyaltyAccount).scalar_subquery())
    base = (select(LoyaltyTier.id).where(LoyaltyTier.brand_id == ctx.brand_id)
            .order_by(LoyaltyTier.rank).limit(1).scalar_subquery())
    return (select(LoyaltyTier.name).where(LoyaltyTier.id == func.coalesce(latest, base))
            .correlate(LoyaltyAccount).scalar_subquery())


def rep_pay_items(ctx: Ctx, period_start: dt.date, period_end: dt.date) -> list[PayItem]:
    """Points that reached reps in the period, valued at the redemption rate (DS7).

    A customer is the rep when both records carry the same phone (the keyed ``phone_hash``
    of the normalised number, same brand): a rep buying for themselves is a customer of the
    brand like any other, and the phone is the one identifier both records share. Counted:
    points earned or awarded (earn entries, positive adjustments) less earned points taken
    back by refunds or cancellations, by the entry's effective date in the brand's time.
    Inputs are the rep's own purchases and the points programme; never another rep's sales.
    """
    settings = programme(ctx)
    start = _local_midnight(ctx, period_start)
    end = _local_midnight(ctx, period_end + dt.timedelta(days=1))
    e = LoyaltyEntry
    counted = or_(e.kind == EntryKind.EARN.value,
                  and_(e.kind == EntryKind.ADJUST.value, e.points > 0),
                  and_(e.kind == EntryKind.REVERSE.value, ~e.source_kind.in_(HAND_BACK_SOURCES)))
    rows = ctx.session.execute(
        select(Rep.id, func.sum(e.points))
        .select_from(e)
        .join(Customer, and_(Customer.id == e.customer_id, Customer.brand_id == e.brand_id))
        .join(Rep, and_(Rep.brand_id == Customer.brand_id, Rep.phone_hash == Customer.phone_hash))
        .where(e.brand_id == ctx.brand_id, Customer.phone_hash.is_not(None), counted,
               e.effective_at >= start, e.effective_at < end)
        .group_by(Rep.id).order_by(Rep.id))
    period = _period_label(period_start, period_end)
    items = []
    for rep_id, points in rows:
        points = int(points or 0)
        if points > 0:
            items.append(PayItem(rep_id=rep_id, period=period, kind="loyalty_points",
                                 amount=settings.money_for_points(points), source="loyalty",
                                 inputs=("own_purchases", "points")))
    return items


def _period_label(start: dt.date, end: dt.date) -> str:
    """``2026-03`` for a calendar month, else ``2026-03-01/2026-03-15``."""
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (next_day.month - start.month) % 12 == 1 \
            and (next_day - start).days <= 31:
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}/{end.isoformat()}"


register_labels("loyalty.rounding", {"floor": N_("Round down"), "half_up": N_("Round half up"),
                                     "ceil": N_("Round up")}, _)
register_labels("loyalty.tier_basis", {"spend": N_("Net spend"), "points": N_("Points earned")},
                _)
register_labels("loyalty.reward_kind", {"product": N_("Product"), "voucher": N_("Voucher"),
                                        "service": N_("Service")}, _)
register_labels("loyalty.entry", {
    EntryKind.EARN.value: N_("Earned"), EntryKind.REDEEM.value: N_("Redeemed"),
    EntryKind.EXPIRE.value: N_("Expired"), EntryKind.REVERSE.value: N_("Reversed"),
    EntryKind.ADJUST.value: N_("Adjusted")}, _)
register_labels("loyalty.source", {
    SourceKind.ORDER.value: N_("order"), SourceKind.REFUND.value: N_("refund"),
    SourceKind.CANCELLATION.value: N_("cancellation"),
    SourceKind.REFUND_POINTS.value: N_("points refunded"),
    SourceKind.CANCELLATION_POINTS.value: N_("points of a cancelled order"),
    SourceKind.REFERRAL.value: N_("referral"), SourceKind.MANUAL.value: N_("adjustment"),
    SourceKind.BIRTHDAY.value: N_("birthday bonus"), SourceKind.REWARD.value: N_("reward"),
    SourceKind.REDEMPTION.value: N_("redemption"), SourceKind.EXPIRY.value: N_("expiry"),
    SourceKind.MERGE.value: N_("customer merge")}, _)


def entry_label(kind: EntryKind) -> str:
    """The translated name of an entry kind."""
    return label("loyalty.entry", kind)


def source_label(kind: SourceKind) -> str:
    """The translated name of where an entry comes from."""
    return label("loyalty.source", kind)


def _ledger_url(ctx: Ctx, customer_id: int) -> str | None:
    """The customer's ledger page, when rendering inside the web app."""
    from core.api.web import page_url

    ref = ctx.session.scalar(select(Customer.customer_ref).where(
        Customer.brand_id == ctx.brand_id, Customer.id == customer_id))
    return page_url("LoyaltyView.customer", ref=ref)


def profile_section(ctx: Ctx, customer_id: int) -> ProfileSection:
    """The loyalty block of the customer 360° page (every value escaped)."""
    s = summary(ctx, customer_id)
    local = ctx.tz
    rows = Markup("").join(
        Markup("<tr><td class=\"muted\">{}</td><td>{}</td>"
               "<td class=\"num {}\">{}</td><td>{} <span class=\"mono muted\">{}</span>"
               "</td><td>{}</td></tr>")
        .format(e.effective_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
                entry_label(e.kind), "pts-plus" if e.points >= 0 else "pts-minus", f"{e.points:+d}",
                source_label(e.source_kind), e.source_ref, e.reason or "")
        for e in s.entries)
    # The same pieces as the core's pages: figure tiles, then a ledger table.
    html = Markup(
        "<div class=\"kpis loyalty-summary\">"
        "<div class=\"kpi\"><span>{tier_label}</span><strong>{tier}</strong></div>"
        "<div class=\"kpi\"><span>{balance_label}</span><strong class=\"balance\">{balance}"
        "</strong></div>"
        "<div class=\"kpi\"><span>{soon_label}</span><strong>{soon}</strong></div>"
        "</div>"
        "<table class=\"table loyalty-ledger\"><thead><tr><th>{when}</th><th>{what}</th>"
        "<th class=\"num\">{points}</th><th>{source}</th><th>{reason}</th></tr></thead>"
        "<tbody>{rows}</tbody></table>").format(
        tier_label=_("Tier"), tier=s.tier_name or _("None"),
        balance_label=_("Points balance"), balance=s.balance,
        soon_label=_("Expiring within %(days)s days", days=programme(ctx).reminder_days),
        soon=s.expiring_soon, when=_("Date"), what=_("Entry"), points=_("Points"),
        source=_("Source"), reason=_("Reason"),
        rows=rows or Markup("<tr><td colspan=\"5\" class=\"empty\">{}</td></tr>").format(
            _("No entries yet.")))
    href = _ledger_url(ctx, customer_id)
    if href:
        html += Markup("<div class=\"form-actions\"><a class=\"btn small\" href=\"{}\">{}</a>"
                       "</div>").format(href, _("Full ledger"))
    return ProfileSection(key="loyalty", title=_("Loyalty"), html=str(html),
                          order=50)



def personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """The customer's points ledger, for a data-subject export (P5)."""
    result = ctx.session.execute(
        select(LoyaltyEntry.effective_at, LoyaltyEntry.kind, LoyaltyEntry.points,
               LoyaltyEntry.source_kind, LoyaltyEntry.source_ref, LoyaltyEntry.base_amount,
               LoyaltyEntry.expires_at, LoyaltyEntry.reason)
        .where(LoyaltyEntry.brand_id == ctx.brand_id, LoyaltyEntry.customer_id == customer_id)
        .order_by(LoyaltyEntry.effective_at, LoyaltyEntry.id))
    return [DataPart("loyalty_ledger", _("Loyalty points ledger"), tuple(result.keys()),
                     tuple(tuple(r) for r in result),
                     {"kind": "loyalty.entry", "source_kind": "loyalty.source",
                      "reason": "text"})]
