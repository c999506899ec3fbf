"""``directcrm settings list|get|set|reset``: a brand's declared settings."""

from __future__ import annotations

import getpass
import json

import click

from core.cli.common import FORMAT_OPTION, cli, emit_rows, handles_domain_errors, runtime
from core.i18n import _
from core.services.settings import find, get_setting, list_settings, reset_setting, set_setting

BRAND = click.option("--brand", required=True, help="Brand code.")
USER = click.option("--user", default=None,
                    help="Who makes the change, for the audit log (default: the OS user).")


@cli.group()
def settings() -> None:
    """Show and change a brand's settings (core areas and its enabled modules)."""


@settings.command("list")
@BRAND
@FORMAT_OPTION
@handles_domain_errors
def list_cmd(brand: str, fmt: str) -> None:
    """Every setting: name, type, value, default, whether it is the default, label."""
    ctx = runtime().ctx(brand)
    rows = list_settings(ctx)
    if fmt == "json":
        click.echo(json.dumps([{
            "name": r.setting.name, "area": r.setting.area, "key": r.setting.key,
            "type": r.setting.kind.value, "value": r.value, "default": r.setting.default,
            "is_default": r.is_default, "label": _(r.setting.label),
            "help": _(r.setting.help) if r.setting.help else "",
            "choices": list(r.setting.choices), "min": _number(r.setting.min),
            "max": _number(r.setting.max), "nullable": r.setting.nullable,
        } for r in rows], ensure_ascii=False, indent=2))
        return
    emit_rows(["name", "type", "value", "default", "label"],
              [(r.setting.name, r.setting.kind.value, r.setting.shown(r.value),
                r.setting.shown(r.setting.default), _(r.setting.label)) for r in rows], fmt)


def _number(value: object) -> object:
    return None if value is None else (value if isinstance(value, int) else str(value))


@settings.command("get")
@BRAND
@click.argument("name")
@handles_domain_errors
def get_cmd(brand: str, name: str) -> None:
    """Print one setting's value (AREA.KEY, e.g. tasks.followup_hours)."""
    ctx = runtime().ctx(brand)
    click.echo(find(ctx, name).shown(get_setting(ctx, name)))


@settings.command("set")
@BRAND
@USER
@click.argument("name")
@click.argument("value")
@handles_domain_errors
def set_cmd(brand: str, user: str | None, name: str, value: str) -> None:
    """Change one setting. Lists are comma-separated (a,b) or JSON; mappings are JSON;
    'auto' clears a setting that has an automatic value."""
    ctx = runtime().ctx(brand, user=user or getpass.getuser())
    setting = find(ctx, name)
    stored = set_setting(ctx, name, setting.parse(value))
    click.echo(_("%(name)s = %(value)s", name=name, value=setting.shown(stored)))


@settings.command("reset")
@BRAND
@USER
@click.argument("name")
@handles_domain_errors
def reset_cmd(brand: str, user: str | None, name: str) -> None:
    """Go back to a setting's default."""
    ctx = runtime().ctx(brand, user=user or getpass.getuser())
    default = reset_setting(ctx, name)
    click.echo(_("%(name)s = %(value)s (default)", name=name,
                 value=find(ctx, name).shown(default)))
