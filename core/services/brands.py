"""Brands: create, list, look up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel.numbers import list_currencies
from sqlalchemy import select

from core.context import Ctx
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES, _
from core.models import Brand, Jurisdiction


def create_brand(ctx: Ctx, data: Mapping[str, Any]) -> Brand:
    """Create a brand. ``data``: code, name, currency, timezone, jurisdiction, locale."""
    errors: dict[str, list[str]] = {}
    code = str(data.get("code") or "").strip()
    name = str(data.get("name") or "").strip()
    currency = str(data.get("currency") or "CNY").upper()
    timezone = str(data.get("timezone") or "Asia/Shanghai")
    jurisdiction = str(data.get("jurisdiction") or "CN").upper()
    locale = str(data.get("locale") or data.get("default_locale") or "zh_Hans_CN")
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 32:
        errors["code"] = [_("Use 1 to 32 letters, digits, '-' or '_'.")]
    if not name:
        errors["name"] = [_("Missing data for required field.")]
    if currency not in list_currencies():
        errors["currency"] = [_("Not a known ISO 4217 currency code.")]
    if timezone not in available_timezones():
        errors["timezone"] = [_("Not a known IANA timezone, e.g. Asia/Shanghai.")]
    if jurisdiction not in Jurisdiction.__members__:
        errors["jurisdiction"] = [_("Must be one of: %(choices)s.",
                                    choices=", ".join(Jurisdiction.__members__))]
    if locale not in SUPPORTED_LOCALES:
        errors["locale"] = [_("Must be one of: %(choices)s.", choices=", ".join(SUPPORTED_LOCALES))]
    if errors:
        raise ValidationFailed(errors)
    with ctx.write() as session:
        if session.scalar(select(Brand.id).where(Brand.code == code)) is not None:
            raise DomainError(_("A brand with code %(code)s already exists.", code=code),
                              code="duplicate")
        brand = Brand(code=code, name=name, currency=currency, timezone=timezone,
                      jurisdiction=Jurisdiction(jurisdiction), default_locale=locale,
                      settings={}, created_at=ctx.now())
        ZoneInfo(timezone)
        session.add(brand)
        session.flush()
    return brand


def list_brands(ctx: Ctx) -> list[Brand]:
    """All brands, by code (installation-wide: super admin and CLI only)."""
    return list(ctx.session.scalars(select(Brand).order_by(Brand.code)))


def get_brand(ctx: Ctx, code: str) -> Brand:
    """The brand with this code, or NotFound."""
    brand = ctx.session.scalar(select(Brand).where(Brand.code == code))
    if brand is None:
        raise NotFound(_("No brand with code %(code)s.", code=code))
    return brand
