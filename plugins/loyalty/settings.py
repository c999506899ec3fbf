"""Programme settings per brand, with defaults.

Stored in the brand's settings under the ``loyalty`` section (``core.services.brands``);
a brand that never changed a value gets the default. Decimals are kept as strings in JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from core.api import N_, Ctx, Kind, Setting

SECTION = "loyalty"


class Rounding(enum.StrEnum):
    """How fractional points are rounded when earning."""

    FLOOR = "floor"
    HALF_UP = "half_up"
    CEIL = "ceil"


_ROUNDING = {Rounding.FLOOR: ROUND_FLOOR, Rounding.HALF_UP: ROUND_HALF_UP,
             Rounding.CEIL: ROUND_CEILING}


class TierBasis(enum.StrEnum):
    """What tiers are measured on over the rolling window."""

    SPEND = "spend"
    POINTS = "points"


@dataclass(frozen=True)
class ProgrammeSettings:
    """One brand's loyalty programme.

    - ``earn_rate``: points per currency unit of net paid amount (before tier multiplier).
    - ``rounding``: how fractional earned points round (``floor``, ``half_up``, ``ceil``).
    - ``validity_months``: how long earned points stay valid; 0 = they never expire.
    - ``birthday_bonus``: points given on the customer's birthday (0 = none).
    - ``min_redemption``: the fewest points a redemption may spend.
    - ``points_per_currency_unit``: what points are worth when spent (100 = 100 points pay
      1.00); also the money value of points for rep pay (DS7).
    - ``tier_basis`` / ``tier_window_months``: tiers on rolling spend or points.
    - ``reminder_days``: remind the rep of points expiring within this many days.
    """

    earn_rate: Decimal = Decimal("1")
    rounding: Rounding = Rounding.FLOOR
    validity_months: int = 12
    birthday_bonus: int = 100
    min_redemption: int = 100
    points_per_currency_unit: int = 100
    tier_basis: TierBasis = TierBasis.SPEND
    tier_window_months: int = 12
    reminder_days: int = 30

    def round_points(self, value: Decimal) -> int:
        """Fractional points → whole points by the programme's rounding rule."""
        return int(value.quantize(Decimal("1"), rounding=_ROUNDING[self.rounding]))

    def points_for_money(self, amount: Decimal) -> int:
        """Points needed to pay ``amount`` (rounded up: points never pay more than they
        are worth)."""
        return int((amount * self.points_per_currency_unit).quantize(
            Decimal("1"), rounding=ROUND_CEILING))

    def money_for_points(self, points: int) -> Decimal:
        """The money value of ``points``, to the cent."""
        return (Decimal(points) / self.points_per_currency_unit).quantize(Decimal("0.01"))

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict (Decimals as strings)."""
        return {k: (str(v) if isinstance(v, Decimal) else
                    v.value if isinstance(v, enum.Enum) else v) for k, v in asdict(self).items()}


DEFAULTS = ProgrammeSettings()

SETTINGS = (
    Setting(SECTION, "earn_rate", Kind.DECIMAL, "1", N_("Points per currency unit paid"),
            N_("Before the tier multiplier."), min=Decimal("0.0001"), max=Decimal(1000),
            places=4),
    Setting(SECTION, "rounding", Kind.CHOICE, Rounding.FLOOR.value,
            N_("Rounding of earned points"), choices=tuple(r.value for r in Rounding),
            choice_labels="loyalty.rounding"),
    Setting(SECTION, "validity_months", Kind.INT, 12,
            N_("Points valid for (months, 0 = never expire)"), min=0, max=120),
    Setting(SECTION, "birthday_bonus", Kind.INT, 100, N_("Birthday bonus (points)"),
            min=0, max=1_000_000),
    Setting(SECTION, "min_redemption", Kind.INT, 100, N_("Minimum redemption (points)"),
            min=1, max=10_000_000),
    Setting(SECTION, "points_per_currency_unit", Kind.INT, 100,
            N_("Points worth one currency unit"), min=1, max=1_000_000),
    Setting(SECTION, "tier_basis", Kind.CHOICE, TierBasis.SPEND.value,
            N_("Tiers measured on"), choices=tuple(b.value for b in TierBasis),
            choice_labels="loyalty.tier_basis"),
    Setting(SECTION, "tier_window_months", Kind.INT, 12, N_("Tier window (months)"),
            min=1, max=60),
    Setting(SECTION, "reminder_days", Kind.INT, 30,
            N_("Remind of expiring points (days ahead)"), min=1, max=365),
)


def from_json(data: dict[str, Any] | None) -> ProgrammeSettings:
    """Settings from the stored dict, defaults for missing keys, unknown keys ignored."""
    data = data or {}
    known = {f.name for f in fields(ProgrammeSettings)}
    values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    if "earn_rate" in values:
        values["earn_rate"] = Decimal(str(values["earn_rate"]))
    if "rounding" in values:
        values["rounding"] = Rounding(values["rounding"])
    if "tier_basis" in values:
        values["tier_basis"] = TierBasis(values["tier_basis"])
    return ProgrammeSettings(**values)


def programme(ctx: Ctx) -> ProgrammeSettings:
    """The acting brand's programme settings (no query: the brand row is loaded)."""
    assert ctx.brand is not None
    return from_json((ctx.brand.settings or {}).get(SECTION))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day
    (2026-01-31 + 1 month = 2026-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def lot_expiry(ctx: Ctx, settings: ProgrammeSettings, earned_at: dt.datetime
               ) -> dt.datetime | None:
    """When points earned at ``earned_at`` expire: the end of the same local day
    ``validity_months`` later (points earned 2026-03-01 with 12 months are valid through
    2027-03-01 and expire at 2027-03-02 00:00 local time). None when validity is 0."""
    if settings.validity_months <= 0:
        return None
    local_day = earned_at.astimezone(ctx.tz).date()
    last_valid = add_months(local_day, settings.validity_months)
    midnight = dt.datetime.combine(last_valid + dt.timedelta(days=1), dt.time(0), ctx.tz)
    return midnight.astimezone(dt.UTC)
