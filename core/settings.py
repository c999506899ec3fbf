"""Brand settings, declared once: key, type, default, bounds or choices, label and help.

Every core area and every module declares its settings as :class:`Setting` objects; the
core's areas with :func:`declare` where the area lives, modules by returning them from the
``crm_settings`` hook. Validation, the CLI (``directcrm settings ...``) and the Settings
screen all come from the declaration; values are stored in the brand's settings under
``area`` (JSON: whole numbers as numbers, decimals as text, lists and mappings as such).

Read a value with :func:`core.services.settings.get_setting` (``"tasks.followup_hours"``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.i18n import _


class SettingError(ValueError):
    """A setting value refused, with the translated reason."""


class Kind(enum.StrEnum):
    """The type of a setting's value."""

    INT = "int"              # a whole number
    DECIMAL = "decimal"      # a decimal number, stored as text ("1.5")
    MONEY = "money"          # an amount with at most two decimals, stored as text
    BOOL = "bool"
    TEXT = "text"
    CHOICE = "choice"        # one of ``choices``
    CHOICES = "choices"      # a list of some of ``choices`` (order kept)
    TEXT_LIST = "text_list"  # a list of short texts
    MAPPING = "mapping"      # text → whole number (e.g. a score per channel)
    CHOICE_MAP = "choice_map"  # text → one of ``choices`` (e.g. a mode per rule)


_JSON_KINDS = frozenset({Kind.MAPPING, Kind.CHOICE_MAP, Kind.CHOICES, Kind.TEXT_LIST, Kind.BOOL,
                         Kind.INT})


@dataclass(frozen=True)
class Setting:
    """One brand setting. ``label`` and ``help`` are English source strings marked with
    ``N_`` and translated when shown. ``nullable`` settings accept None ("automatic").
    ``check`` is an extra rule on the cleaned value (raises :class:`SettingError`).
    ``choice_labels`` names the label family of ``choices`` (the code stays the value)."""

    area: str
    key: str
    kind: Kind
    default: Any
    label: str
    help: str = ""
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    places: int | None = None  # decimal places a DECIMAL may have (None: any)
    #: The label family (core.labels) naming ``choices`` on pages and in the CLI.
    choice_labels: str = ""
    check: Callable[[Any], None] | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """``area.key``, the name the CLI and messages use."""
        return f"{self.area}.{self.key}"

    # -- validation ---------------------------------------------------------------------

    def clean(self, value: Any) -> Any:
        """The value to store, or :class:`SettingError` with the reason."""
        if value is None or (value == "" and self.kind != Kind.TEXT):
            if self.nullable:
                return None
            raise SettingError(_("A value is required."))
        cleaned = _CLEANERS[self.kind](self, value)
        if self.check is not None:
            self.check(cleaned)
        return cleaned

    def parse(self, text: str) -> Any:
        """A value typed on the command line: JSON where it parses (lists, mappings,
        numbers), a comma-separated list for list kinds, else the text itself."""
        text = text.strip()
        if text.lower() in ("none", "null", "auto") and self.nullable:
            return None
        if self.kind in (Kind.CHOICES, Kind.TEXT_LIST) and not text.startswith("["):
            return [part.strip() for part in text.split(",") if part.strip()]
        if self.kind in _JSON_KINDS:
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text
        return text

    def shown(self, value: Any) -> str:
        """The value as text for a listing (lists comma-separated, None as "auto")."""
        if value is None:
            return "auto"
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def _bounds(setting: Setting, number: Any) -> None:
    if setting.min is not None and number < setting.min:
        raise SettingError(_("Must be at least %(min)s.", min=setting.min))
    if setting.max is not None and number > setting.max:
        raise SettingError(_("Must be at most %(max)s.", max=setting.max))


def _int(setting: Setting, value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SettingError(_("Must be a whole number."))
    _bounds(setting, value)
    return value


def _decimal(setting: Setting, value: Any) -> str:
    if isinstance(value, bool):
        raise SettingError(_("Must be a number, e.g. 1.5."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SettingError(_("Must be a number, e.g. 1.5.")) from None
    if not number.is_finite() or abs(number) > Decimal("1e12"):
        raise SettingError(_("Must be a number, e.g. 1.5."))
    if setting.places is not None and number != round(number, setting.places):
        raise SettingError(_("At most %(n)s decimal places.", n=setting.places))
    _bounds(setting, number)
    return str(number.normalize() if number == number.to_integral() else number)


def _money(setting: Setting, value: Any) -> str:
    text = _decimal(setting, value)
    number = Decimal(text)
    if number < 0 or number != number.quantize(Decimal("0.01")):
        raise SettingError(_("Not a valid amount, e.g. 199.00."))
    return str(number.quantize(Decimal("0.01")))


def _bool(setting: Setting, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise SettingError(_("Must be true or false."))


def _text(setting: Setting, value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise SettingError(_("Must be a text."))
    limit = int(setting.max) if setting.max is not None else 200
    if len(value.strip()) > limit:
        raise SettingError(_("At most %(n)s characters.", n=limit))
    return value.strip()


def _choice(setting: Setting, value: Any) -> str:
    if value not in setting.choices:
        raise SettingError(_("Must be one of: %(choices)s.", choices=", ".join(setting.choices)))
    return str(value)


def _choices(setting: Setting, value: Any) -> list[str]:
    if not isinstance(value, list) or any(v not in setting.choices for v in value):
        raise SettingError(_("Must be some of: %(choices)s.",
                             choices=", ".join(setting.choices)))
    return list(dict.fromkeys(value))


def _text_list(setting: Setting, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                              and len(v) <= 64 and "\x00" not in v
                                              for v in value):
        raise SettingError(_("Must be a list of short texts (at most 64 characters each)."))
    cleaned = list(dict.fromkeys(v.strip() for v in value))
    if setting.min is not None and len(cleaned) < setting.min:
        raise SettingError(_("Must list at least %(min)s.", min=setting.min))
    return cleaned


def _mapping(setting: Setting, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in value.items()):
        raise SettingError(_('Must map names to whole numbers, e.g. {"wechat": 20}.'))
    for v in value.values():
        _bounds(setting, v)
    if setting.choices and any(k not in setting.choices for k in value):
        raise SettingError(_("Keys must be some of: %(choices)s.",
                             choices=", ".join(setting.choices)))
    return dict(value)


def _choice_map(setting: Setting, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and 0 < len(k) <= 64 and v in setting.choices
            for k, v in value.items()):
        raise SettingError(_("Must map names to one of: %(choices)s.",
                             choices=", ".join(setting.choices)))
    return dict(value)


_CLEANERS: dict[Kind, Callable[[Setting, Any], Any]] = {
    Kind.INT: _int, Kind.DECIMAL: _decimal, Kind.MONEY: _money, Kind.BOOL: _bool,
    Kind.TEXT: _text, Kind.CHOICE: _choice, Kind.CHOICES: _choices,
    Kind.TEXT_LIST: _text_list, Kind.MAPPING: _mapping, Kind.CHOICE_MAP: _choice_map,
}


# -- the core's declarations ---------------------------------------------------------------

_CORE: dict[str, Setting] = {}


def declare(*settings: Setting) -> tuple[Setting, ...]:
    """Declare core settings (called once by the module of each core area)."""
    for s in settings:
        if s.name in _CORE and _CORE[s.name] != s:
            raise ValueError(f"setting {s.name} declared twice")
        _CORE[s.name] = s
    return settings


AreaRule = Callable[[Mapping[str, Any]], dict[str, list[str]]]
_AREA_RULES: dict[str, list[AreaRule]] = {}


def declare_area_rule(area: str, rule: AreaRule) -> None:
    """A rule across several settings of one area (``abc_a_share ≤ abc_b_share``): called
    with the area's values after a change, returns ``{key: [reasons]}`` (empty if fine)."""
    _AREA_RULES.setdefault(area, []).append(rule)


def area_rules(area: str) -> list[AreaRule]:
    """The cross-setting rules of ``area``."""
    core_settings()
    return _AREA_RULES.get(area, [])


def core_settings() -> list[Setting]:
    """Every core setting, once every core area has been imported."""
    import core.settings_catalog  # noqa: F401  (imports every area that declares settings)

    return list(_CORE.values())


def defaults(settings: Sequence[Setting]) -> dict[str, Any]:
    """``{key: default}`` of some settings of one area."""
    return {s.key: s.default for s in settings}
