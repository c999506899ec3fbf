"""The public consent link a rep sends (and every message carries): a signed token naming
the brand, the customer, the purpose and the channel. Opening it shows the notice and
records the answer; withdrawing takes one click (P4)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.api import (
    Brand,
    Ctx,
    Customer,
    NotFound,
    ValidationFailed,
    _,
    read_token,
    resolve_customer,
    sign_token,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.consent import notice_in_effect
from plugins.kyc.models import Channel, ConsentNotice, Purpose

TOKEN_PURPOSE = "kyc-consent"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a consent link is about."""

    brand_id: int
    customer_id: int
    purpose: str
    channel: str


def link_token(ctx: Ctx, customer_ref: str, purpose: str, channel: str) -> str:
    """The token of a customer's consent link for a purpose and channel."""
    require_enabled(ctx)
    errors = {}
    if purpose not in {p.value for p in Purpose}:
        errors["purpose"] = [_("Unknown purpose %(value)s.", value=purpose)]
    if channel not in {c.value for c in Channel}:
        errors["channel"] = [_("Unknown channel %(value)s.", value=channel)]
    if errors:
        raise ValidationFailed(errors)
    customer = resolve_customer(ctx, customer_ref)
    return sign_token({"b": ctx.brand_id, "c": customer.id, "p": purpose, "ch": channel},
                      TOKEN_PURPOSE)


def read_link(token: str) -> LinkTarget:
    """The target of a token, or NotFound (an altered or foreign link is just unknown)."""
    data = read_token(token, TOKEN_PURPOSE)
    try:
        return LinkTarget(int(data["b"]), int(data["c"]), str(data["p"]), str(data["ch"]))
    except (TypeError, KeyError, ValueError):
        raise NotFound(_("This link is not valid.")) from None


def brand_code(ctx: Ctx, brand_id: int) -> str:
    """The code of the brand a link belongs to (NotFound if it is gone)."""
    code = ctx.session.scalar(select(Brand.code).where(Brand.id == brand_id))
    if code is None:
        raise NotFound(_("This link is not valid."))
    return code


def notice_text(ctx: Ctx, purpose: str, locale: str) -> tuple[str | None, str | None]:
    """(version, text) of the notice in effect today, in ``locale`` if published in it,
    else in the brand's language, else in any language."""
    version = notice_in_effect(ctx, purpose, ctx.local_today())
    if version is None:
        return None, None
    assert ctx.brand is not None
    texts = dict(ctx.session.execute(
        select(ConsentNotice.locale, ConsentNotice.text)
        .where(ConsentNotice.brand_id == ctx.brand_id, ConsentNotice.purpose == purpose,
               ConsentNotice.version == version)).all())
    text = texts.get(locale) or texts.get(ctx.brand.default_locale) or next(
        iter(texts.values()), None)
    return version, text


def customer_for(ctx: Ctx, target: LinkTarget) -> Customer:
    """The customer of a link (the survivor if the record was merged since)."""
    customer = ctx.session.get(Customer, target.customer_id)
    if customer is None or customer.brand_id != ctx.brand_id:
        raise NotFound(_("This link is not valid."))
    if customer.merged_into_id is not None:
        customer = ctx.session.get(Customer, customer.merged_into_id) or customer
    return customer
