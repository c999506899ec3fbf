"""``directcrm module ...`` and ``directcrm plugins``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _
from core.services.modules import disable_modules, enable_modules, module_statuses


@cli.group()
def module() -> None:
    """Enable and disable modules per brand."""


@module.command("list")
@click.argument("brand", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def module_list(brand: str | None, as_json: bool) -> None:
    """List modules, and with BRAND whether each is enabled for it."""
    _print_statuses(brand, as_json)


@module.command("enable")
@click.argument("brand")
@click.argument("names", nargs=-1, required=True)
@handles_domain_errors
def module_enable(brand: str, names: tuple[str, ...]) -> None:
    """Enable modules NAMES for BRAND (runs their install step)."""
    ctx = runtime().ctx(brand)
    done = enable_modules(ctx, list(names))
    click.echo(_("Enabled for %(brand)s: %(names)s", brand=brand,
                 names=", ".join(done) or _("nothing (already enabled)")))


@module.command("disable")
@click.argument("brand")
@click.argument("names", nargs=-1, required=True)
@handles_domain_errors
def module_disable(brand: str, names: tuple[str, ...]) -> None:
    """Disable modules NAMES for BRAND (their data is kept)."""
    ctx = runtime().ctx(brand)
    done = disable_modules(ctx, list(names))
    click.echo(_("Disabled for %(brand)s: %(names)s", brand=brand,
                 names=", ".join(done) or _("nothing (already disabled)")))


@module.command("downgrade")
@click.argument("name")
@click.option("--to", "target", default="base", show_default=True,
              help="A revision of the module's branch, or base to drop all its tables.")
@click.option("--yes", is_flag=True, help="Confirm: tables are dropped with their data.")
@handles_domain_errors
def module_downgrade(name: str, target: str, yes: bool) -> None:
    """Take module NAME's tables down to an earlier revision, or drop them all (--to base)
    before uninstalling it. Refused while a brand has NAME enabled."""
    from core.services.modules import downgrade_module_tables

    if not yes:
        raise click.UsageError(_("Add --yes: downgrading %(name)s drops tables with their "
                                 "data. Make a backup first (directcrm backup).", name=name))
    before = downgrade_module_tables(runtime().ctx(None), name, target)
    if before is None:
        click.echo(_("Module %(name)s has no tables: nothing to do.", name=name))
    else:
        click.echo(_("Module %(name)s downgraded from %(before)s to %(target)s.", name=name,
                     before=before, target=target))


@module.command("revision")
@click.argument("name")
@click.option("-m", "--message", required=True, help="What changed, e.g. \"visits table\".")
@click.option("--scratch-url", default=None,
              help="A throwaway database to compare against (default: a temporary SQLite).")
@handles_domain_errors
def module_revision(name: str, message: str, scratch_url: str | None) -> None:
    """Write the next migration of module NAME from its models (for module authors): the
    file goes to NAME's migrations/versions folder, numbered NAME_0002, NAME_0003, ..."""
    import tempfile

    from core.crypto import Keyring, set_keyring
    from core.db import make_engine
    from core.migrate import revision

    runtime().registry.get(name)  # an unknown or broken module is named, not a traceback
    set_keyring(Keyring.generate())  # the scratch database's values are never read
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(scratch_url or f"sqlite:///{tmp}/scratch.db")
        try:
            revision(engine, name, message)
        finally:
            engine.dispose()


@module.command("new")
@click.argument("name")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where to write it (default: ./NAME).")
@click.option("--title", default=None, help="A human name for the module.")
@handles_domain_errors
def module_new(name: str, target: Path | None, title: str | None) -> None:
    """Write a new module NAME to start from: manifest, table and migration, a setting,
    a service, a command, a customer-page section and tests (see docs/plugin-guide.md)."""
    from core.scaffold import scaffold

    folder = target or Path(name)
    written = scaffold(name, folder, title)
    click.echo(_("Wrote %(n)s files to %(dir)s. Next: pip install -e %(dir)s, then "
                 "directcrm init.", n=len(written), dir=str(folder)))


@cli.group("plugin")
def plugin_group() -> None:
    """Write modules (the same as ``module new``)."""


plugin_group.add_command(module_new, "new")


@cli.command()
@click.option("--brand", default=None, help="Also show whether each is enabled for BRAND.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def plugins(brand: str | None, as_json: bool) -> None:
    """List every discovered module with version, depends and implemented hooks."""
    _print_statuses(brand, as_json)


def _print_statuses(brand: str | None, as_json: bool) -> None:
    ctx = runtime().ctx(brand)
    statuses = module_statuses(ctx)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], ensure_ascii=False, indent=2))
        return
    for s in statuses:
        if s.broken:
            click.echo(f"{s.name}\t{_('not loaded')}: {s.broken}")
            continue
        state = "" if s.enabled is None else ("\t" + (_("enabled") if s.enabled
                                                      else _("disabled")))
        click.echo(f"{s.name}\t{s.version}\t{_('depends')}: {', '.join(s.depends) or '-'}"
                   f"\t{_('hooks')}: {', '.join(s.hooks)}{state}")
