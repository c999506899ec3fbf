"""Reading and changing a brand's declared settings (``core.settings``).

The settings a brand has are the core's plus those of its enabled modules (``crm_settings``).
A change is validated from the declaration, stored under the setting's area and audited
with its old and new value; a bad value changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.audit.services import record
from core.context import Ctx
from core.errors import NotFound, ValidationFailed
from core.i18n import _
from core.models import Brand
from core.settings import Setting, SettingError, area_rules, core_settings


@dataclass(frozen=True)
class SettingValue:
    """A declared setting with the brand's value (``is_default`` when never set)."""

    setting: Setting
    value: Any
    is_default: bool


def declared(ctx: Ctx) -> dict[str, Setting]:
    """``{area.key: Setting}`` for the brand: the core's, then its enabled modules'.

    Declarations do not change while the program runs: they are collected once per set
    of enabled modules (kept on that set's hook caller), not on every read of a setting.
    """
    hooks = ctx.hooks
    cached = hooks.declared_settings
    if cached is None:
        cached = dict(_core_index())
        for contributed in hooks.crm_settings(ctx=ctx):
            cached.update({s.name: s for s in contributed or ()})
        hooks.declared_settings = cached
    return cached


def find(ctx: Ctx, name: str) -> Setting:
    """The declaration called ``name`` (``area.key``), or NotFound naming the areas."""
    settings = declared(ctx)
    if name not in settings:
        areas = sorted({s.area for s in settings.values()})
        raise NotFound(_("No setting %(name)s (areas: %(areas)s).", name=name,
                         areas=", ".join(areas)))
    return settings[name]


def _stored(ctx: Ctx, setting: Setting) -> tuple[Any, bool]:
    assert ctx.brand is not None
    area = (ctx.brand.settings or {}).get(setting.area) or {}
    if setting.key in area:
        return area[setting.key], False
    return setting.default, True


def get_setting(ctx: Ctx, name: str) -> Any:
    """The brand's value of setting ``name`` (``"tasks.followup_hours"``), or its default."""
    setting = _core_index().get(name) or find(ctx, name)
    return _stored(ctx, setting)[0]


@functools.cache
def _core_index() -> dict[str, Setting]:
    return {s.name: s for s in core_settings()}


def list_settings(ctx: Ctx) -> list[SettingValue]:
    """Every setting of the brand with its value, by area then key."""
    rows = [SettingValue(s, *_stored(ctx, s)) for s in declared(ctx).values()]
    return sorted(rows, key=lambda r: (r.setting.area, r.setting.key))


def set_settings(ctx: Ctx, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store several settings at once (``{area.key: value}``); all or none.

    Raises ValidationFailed naming every bad setting with its reason.
    """
    settings = declared(ctx)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        setting = settings.get(name)
        if setting is None:
            errors[name] = [_("No such setting.")]
            continue
        try:
            clean[name] = setting.clean(value)
        except SettingError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    for area in sorted({settings[n].area for n in clean}):
        values = {s.key: _stored(ctx, s)[0] for s in settings.values() if s.area == area}
        values.update({settings[n].key: v for n, v in clean.items()
                       if settings[n].area == area})
        for rule in area_rules(area):
            for key, reasons in rule(values).items():
                errors.setdefault(f"{area}.{key}", []).extend(reasons)
    if errors:
        raise ValidationFailed(errors)
    _write(ctx, [(settings[n], v) for n, v in clean.items()], reset=False)
    return clean


def configure_area(ctx: Ctx, area: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`set_settings` for keys of one area, errors named by key alone (the area's
    own ``configure`` functions and forms)."""
    try:
        clean = set_settings(ctx, {f"{area}.{k}": v for k, v in values.items()})
    except ValidationFailed as exc:
        raise ValidationFailed({k.removeprefix(f"{area}."): v
                                for k, v in exc.errors.items()}) from None
    return {k.removeprefix(f"{area}."): v for k, v in clean.items()}


def set_setting(ctx: Ctx, name: str, value: Any) -> Any:
    """Validate and store one setting; returns the stored value."""
    find(ctx, name)
    return set_settings(ctx, {name: value})[name]


def reset_setting(ctx: Ctx, name: str) -> Any:
    """Forget the brand's value of ``name``: the default applies again. Returns it."""
    setting = find(ctx, name)
    _write(ctx, [(setting, setting.default)], reset=True)
    return setting.default


def _write(ctx: Ctx, values: Sequence[tuple[Setting, Any]], *, reset: bool) -> None:
    with ctx.write() as session:
        brand = session.get(Brand, ctx.brand_id, populate_existing=True,
                            with_for_update=True)
        if brand is None:
            raise NotFound(_("No brand with id %(id)s.", id=ctx.brand_id))
        stored = {area: dict(v) for area, v in (brand.settings or {}).items()}
        for setting, value in values:
            area = stored.setdefault(setting.area, {})
            old = area.get(setting.key, setting.default)
            if reset:
                area.pop(setting.key, None)
            else:
                area[setting.key] = value
            if old != value or reset:
                record(ctx, "setting_reset" if reset else "setting_changed",
                       record_type="setting", record_id=setting.name,
                       changes={setting.name: [old, value]})
        brand.settings = stored
        if ctx.brand is not None and ctx.brand is not brand:
            ctx.brand.settings = stored
