"""Identity document numbers: format, check digit, and what the number itself tells.

The mainland resident ID (GB 11643: region, birth date, ISO 7064 MOD 11-2 check) and the
unified social credit code (GB 32100) are checked by python-stdnum, a maintained library
of number formats. python-stdnum has no Taiwan national ID, so its check (a letter for the
place of registration, weights 1 9 8 7 6 5 4 3 2 1 1, sum divisible by 10; the Ministry of
the Interior's published rule) is written here; the travel permits and passports carry no
check digit, so only their format is checked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from core.api import N_, _
from plugins.kyc.models import IdType


class InvalidNumber(ValueError):
    """The number is not a valid document number; ``str(exc)`` is the translated reason."""


@dataclass(frozen=True, slots=True)
class Document:
    """A valid document number in its compact form and what it encodes."""

    id_type: IdType
    number: str
    birth_date: dt.date | None = None
    region: str | None = None


def _compact(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw).upper()


def _stdnum_reason(exc: stdnum_errors.ValidationError, length: int) -> str:
    if isinstance(exc, stdnum_errors.InvalidLength):
        return _("Wrong length: %(n)s characters expected.", n=length)
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return _("The check digit does not match the rest of the number.")
    if isinstance(exc, stdnum_errors.InvalidComponent):
        return _("The birth date or region encoded in the number is not valid.")
    return _("Not a valid number: only digits and a final check character are allowed.")


def _resident_id(number: str, today: dt.date) -> Document:
    try:
        number = ric.validate(number)
        region = ric.get_birth_place(number)
    except stdnum_errors.ValidationError as exc:
        raise InvalidNumber(_stdnum_reason(exc, 18)) from None
    birth = ric.get_birth_date(number)
    if birth > today:
        raise InvalidNumber(_("The birth date encoded in the number is in the future."))
    place = " ".join(v for v in (region.get("province"), region.get("county")) if v)
    return Document(IdType.CN_RESIDENT_ID, number, birth, place or None)


def _credit_code(number: str) -> Document:
    try:
        return Document(IdType.CN_USCC, uscc.validate(number))
    except stdnum_errors.ValidationError as exc:
        raise InvalidNumber(_stdnum_reason(exc, 18)) from None


# Taiwan: the first letter stands for a two-digit code (A=10 ... Z=33, out of order).
_TW_LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
_TW_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)


def _taiwan_id(number: str) -> Document:
    if not re.fullmatch(r"[A-Z][12]\d{8}", number):
        raise InvalidNumber(_("Expected a letter, then 1 or 2, then 8 digits "
                              "(e.g. A123456789)."))
    code = _TW_LETTERS[number[0]]
    digits = [code // 10, code % 10, *(int(c) for c in number[1:])]
    if sum(d * w for d, w in zip(digits, _TW_WEIGHTS, strict=True)) % 10:
        raise InvalidNumber(_("The check digit does not match the rest of the number."))
    return Document(IdType.TW_NATIONAL_ID, number)


_FORMATS: dict[IdType, tuple[str, str]] = {
    IdType.HK_MO_PERMIT: (r"[HM]\d{8}(\d{2})?",
                          N_("H or M, then 8 or 10 digits (e.g. H12345678)")),
    IdType.TW_PERMIT: (r"\d{8}|\d{10}", N_("8 or 10 digits")),
    IdType.PASSPORT: (r"[A-Z0-9]{5,20}", N_("5 to 20 letters or digits")),
}


def check_number(id_type: str, raw: str, today: dt.date) -> Document:
    """The document for ``raw`` (spaces and dashes ignored, letters upper-cased), or
    :class:`InvalidNumber` with the reason."""
    try:
        kind = IdType(id_type)
    except ValueError:
        raise InvalidNumber(_("Unknown document type %(type)s (one of: %(types)s).",
                              type=id_type, types=", ".join(t.value for t in IdType))) from None
    number = _compact(raw or "")
    if not number:
        raise InvalidNumber(_("A number is required."))
    if kind is IdType.CN_RESIDENT_ID:
        return _resident_id(number, today)
    if kind is IdType.CN_USCC:
        return _credit_code(number)
    if kind is IdType.TW_NATIONAL_ID:
        return _taiwan_id(number)
    pattern, shape = _FORMATS[kind]
    if not re.fullmatch(pattern, number):
        raise InvalidNumber(_("Not a valid number: expected %(shape)s.", shape=_(shape)))
    return Document(kind, number)
