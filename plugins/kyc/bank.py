"""A rep's bank account for pay: the holder must be the name on the rep's verified
identity document, and the card number must pass the Luhn check (UnionPay debit cards
are 16 to 19 digits; python-stdnum's ``luhn``). Stored encrypted with a lookup hash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import select
from stdnum import luhn

from core.api import (
    BrandScopedSchema,
    Ctx,
    Rep,
    ValidationFailed,
    _,
    clean_row,
    get_by_ref,
    load_or_raise,
    lookup_hash,
    masked,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.models import BankAccount, Identity, Verification


class BankSchema(BrandScopedSchema):
    rep_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    holder_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    account_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    bank_name = fields.String(validate=validate.Length(max=100))


def _verified_names(ctx: Ctx, rep_id: int) -> set[str]:
    """Names on the rep's identity documents that passed a verification."""
    return {n for n in ctx.session.scalars(
        select(Identity.legal_name).join(Verification, Verification.identity_id == Identity.id)
        .where(Identity.brand_id == ctx.brand_id, Identity.rep_id == rep_id,
               Verification.passed.is_(True))) if n}


def set_bank_account(ctx: Ctx, data: Mapping[str, Any]) -> str:
    """Record (or replace) a rep's pay account; returns the masked number."""
    require_enabled(ctx)
    values = load_or_raise(BankSchema(tz=ctx.tz), clean_row(data))
    number = re.sub(r"[\s\-]", "", values["account_number"])
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"\d{16,19}", number):
        errors["account_number"] = [_("Expected 16 to 19 digits.")]
    elif not luhn.is_valid(number):
        errors["account_number"] = [_("The check digit does not match the rest of the "
                                      "number.")]
    with ctx.write():
        rep = get_by_ref(ctx, Rep, values["rep_ref"])
        names = _verified_names(ctx, rep.id)
        holder = values["holder_name"].strip()
        if not names:
            errors["holder_name"] = [_("The rep has no verified identity with a name: "
                                       "verify one first (kyc verify --rep).")]
        elif holder not in names:
            errors["holder_name"] = [_("Must be the name on the rep's verified identity "
                                       "document.")]
        if errors:
            raise ValidationFailed(errors)
        account = ctx.session.scalar(select(BankAccount).where(
            BankAccount.brand_id == ctx.brand_id, BankAccount.rep_id == rep.id))
        now = ctx.now()
        if account is None:
            account = BankAccount(brand_id=ctx.brand_id, rep_id=rep.id, created_at=now)
            ctx.session.add(account)
        account.holder_name, account.account_number = holder, number
        account.account_hash = lookup_hash(number) or ""
        account.bank_name, account.updated_at = values.get("bank_name"), now
    return masked(number) or ""
