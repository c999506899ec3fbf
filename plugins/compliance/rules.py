"""Jurisdiction rule packs: data files (``rulepacks/<PROFILE>.toml``) read with ``tomllib``.

A brand's profile is its ``jurisdiction``. A rule applies on a date when that date lies in
``[effective_from, effective_to]``. Its ``mode`` (``block`` or ``warn``) comes from the pack
and may be switched per brand (settings section ``compliance``, key ``modes``), except for
``hard`` rules such as PY1, which always block.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from core.api import N_, Ctx, Kind, Setting, ValidationFailed, _, get_setting

PACK_DIR = Path(__file__).resolve().parent / "rulepacks"
SETTINGS_SECTION = "compliance"
MODES = ("block", "warn")

SETTINGS = (
    Setting(SETTINGS_SECTION, "modes", Kind.CHOICE_MAP, {}, N_("Rule modes"),
            N_('Rules switched between block and warn, e.g. {"DS10": "warn"}; hard rules '
               "always block."), choices=MODES),
    Setting(SETTINGS_SECTION, "deposit_held", Kind.MONEY, None, N_("Deposit held (DS12)"),
            N_("The deposit the brand holds with its bank, checked against the required "
               "one."), nullable=True),
)


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: its ID (COMPLIANCE.md), source, dates, parameters and mode."""

    id: str
    title: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    mode: str
    checked_by: str
    hard: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)

    def in_force(self, on: dt.date) -> bool:
        """Does the rule apply on ``on``?"""
        return self.effective_from <= on and (self.effective_to is None
                                              or on <= self.effective_to)


@dataclass(frozen=True)
class RulePack:
    """A jurisdiction profile: versioned list of rules."""

    profile: str
    version: str
    name: str
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this ID, or None when the profile does not have it."""
        return next((r for r in self.rules if r.id == rule_id), None)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@cache
def load_pack(profile: str) -> RulePack:
    """Read and validate the pack of ``profile`` (cached)."""
    path = PACK_DIR / f"{profile}.toml"
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    rules = []
    for raw in data["rules"]:
        mode = raw.get("mode", "block")
        if mode not in MODES:
            raise ValueError(f"{path.name}: rule {raw['id']} has mode {mode!r}")
        rules.append(Rule(id=raw["id"], title=raw["title"], source=raw["source"],
                          effective_from=_date(raw["effective_from"]),  # type: ignore[arg-type]
                          effective_to=_date(raw.get("effective_to")), mode=mode,
                          checked_by=raw.get("checked_by", "compliance"),
                          hard=bool(raw.get("hard", False)),
                          parameters=dict(raw.get("parameters", {}))))
    return RulePack(profile=data["profile"], version=str(data["version"]), name=data["name"],
                    rules=tuple(rules))


def available_profiles() -> list[str]:
    """Profiles that have a pack file."""
    return sorted(p.stem for p in PACK_DIR.glob("*.toml"))


def brand_pack(ctx: Ctx) -> RulePack:
    """The rule pack of the acting brand's jurisdiction."""
    assert ctx.brand is not None
    return load_pack(ctx.brand.jurisdiction.value)


def rule_in_force(ctx: Ctx, rule_id: str, on: dt.date) -> Rule | None:
    """The brand's rule ``rule_id`` if its profile has it and it applies on ``on``."""
    rule = brand_pack(ctx).get(rule_id)
    return rule if rule is not None and rule.in_force(on) else None


def rule_mode(ctx: Ctx, rule: Rule) -> str:
    """``block`` or ``warn`` for this brand (hard rules always block)."""
    if rule.hard:
        return "block"
    modes = get_setting(ctx, f"{SETTINGS_SECTION}.modes") or {}
    return modes.get(rule.id, rule.mode)


def check_mode_change(ctx: Ctx, rule_id: str, mode: str) -> Rule:
    """Validate a mode switch; returns the rule. Raises a translated field error."""
    if mode not in MODES:
        raise ValidationFailed({"mode": [_("Must be one of: %(choices)s.",
                                           choices=", ".join(MODES))]})
    rule = brand_pack(ctx).get(rule_id)
    if rule is None:
        raise ValidationFailed({"rule": [_(
            "Rule %(rule)s is not in the %(profile)s profile.", rule=rule_id,
            profile=brand_pack(ctx).profile)]})
    if rule.hard and mode != "block":
        raise ValidationFailed({"mode": [_(
            "Rule %(rule)s is a hard rule and always blocks.", rule=rule_id)]})
    return rule
