"""Brands: create, change, list, look up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from babel.numbers import list_currencies
from sqlalchemy import select

from core.context import Ctx
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES, _
from core.models import Brand, Jurisdiction

BRAND_FIELDS = ("name", "currency", "timezone", "jurisdiction", "locale")


def _clean_brand_fields(data: Mapping[str, Any], defaults: Mapping[str, str]
                        ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The brand fields given in ``data`` (others from ``defaults``), cleaned, and the
    errors of the bad ones."""
    errors: dict[str, list[str]] = {}
    values = {k: str(data[k] if data.get(k) not in (None, "") else defaults.get(k, "")).strip()
              for k in BRAND_FIELDS if k in data or k in defaults}
    if "locale" not in data and data.get("default_locale"):
        values["locale"] = str(data["default_locale"])
    for key in ("currency", "jurisdiction"):
        if key in values:
            values[key] = values[key].upper()
    if "name" in values and (not values["name"] or len(values["name"]) > 200):
        errors["name"] = [_("Use 1 to 200 characters.")]
    if "currency" in values and values["currency"] not in list_currencies():
        errors["currency"] = [_("Not a known ISO 4217 currency code.")]
    if "timezone" in values and values["timezone"] not in available_timezones():
        errors["timezone"] = [_("Not a known IANA timezone, e.g. Asia/Shanghai.")]
    if "jurisdiction" in values and values["jurisdiction"] not in Jurisdiction.__members__:
        errors["jurisdiction"] = [_("Must be one of: %(choices)s.",
                                    choices=", ".join(Jurisdiction.__members__))]
    if "locale" in values and values["locale"] not in SUPPORTED_LOCALES:
        errors["locale"] = [_("Must be one of: %(choices)s.", choices=", ".join(SUPPORTED_LOCALES))]
    return values, errors


def create_brand(ctx: Ctx, data: Mapping[str, Any]) -> Brand:
    """Create a brand. ``data``: code, name, currency, timezone, jurisdiction, locale."""
    code = str(data.get("code") or "").strip()
    values, errors = _clean_brand_fields(data, {
        "name": "", "currency": "CNY", "timezone": "Asia/Shanghai", "jurisdiction": "CN",
        "locale": "zh_Hans_CN"})
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 32:
        errors["code"] = [_("Use 1 to 32 letters, digits, '-' or '_'.")]
    if errors:
        raise ValidationFailed(errors)
    with ctx.write() as session:
        if session.scalar(select(Brand.id).where(Brand.code == code)) is not None:
            raise DomainError(_("A brand with code %(code)s already exists.", code=code),
                              code="duplicate")
        brand = Brand(code=code, name=values["name"], currency=values["currency"],
                      timezone=values["timezone"],
                      jurisdiction=Jurisdiction(values["jurisdiction"]),
                      default_locale=values["locale"], settings={}, created_at=ctx.now())
        session.add(brand)
        session.flush()
    return brand


def update_brand(ctx: Ctx, data: Mapping[str, Any]) -> Brand:
    """Change the acting brand's name, timezone, default language, jurisdiction, and its
    currency while it has no money recorded (no order, payment or return). The code is
    fixed. Audited with old and new values (the ORM write)."""
    given = {k: v for k, v in data.items() if k in BRAND_FIELDS or k == "default_locale"}
    values, errors = _clean_brand_fields(given, {})
    with ctx.write() as session:
        brand = session.get(Brand, ctx.brand_id, with_for_update=True,
                            populate_existing=True)
        if brand is None:
            raise NotFound(_("No brand with id %(id)s.", id=ctx.brand_id))
        if "currency" in values and values["currency"] != brand.currency and not errors \
                and _has_money(ctx):
            errors["currency"] = [_("The brand has orders; its currency cannot change.")]
        if errors:
            raise ValidationFailed(errors)
        brand.name = values.get("name", brand.name)
        brand.currency = values.get("currency", brand.currency)
        brand.timezone = values.get("timezone", brand.timezone)
        brand.default_locale = values.get("locale", brand.default_locale)
        if "jurisdiction" in values:
            brand.jurisdiction = Jurisdiction(values["jurisdiction"])
        session.flush()
    if ctx.brand is not None and ctx.brand is not brand:
        ctx.session.refresh(ctx.brand)
    return brand


def _has_money(ctx: Ctx) -> bool:
    from core.models import Order

    return ctx.session.scalar(select(Order.id).where(Order.brand_id == ctx.brand_id)
                              .limit(1)) is not None


def list_brands(ctx: Ctx) -> list[Brand]:
    """All brands, by code (installation-wide: super admin and CLI only)."""
    return list(ctx.session.scalars(select(Brand).order_by(Brand.code)))


def get_brand(ctx: Ctx, code: str) -> Brand:
    """The brand with this code, or NotFound."""
    brand = ctx.session.scalar(select(Brand).where(Brand.code == code))
    if brand is None:
        raise NotFound(_("No brand with code %(code)s.", code=code))
    return brand
