"""Shared CLI plumbing: the root group, the runtime, error display and output formats."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any

import click
from babel.lists import format_list

from core.cli.help_i18n import LocalisedGroup, set_help_domain
from core.csv_cells import spreadsheet_safe
from core.errors import DomainError, ModuleError, ValidationFailed
from core.i18n import _, current_locale, set_locale
from core.labels import label
from core.runtime import Runtime, start

if TYPE_CHECKING:
    from core.context import Ctx

_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The process runtime (settings, engine, modules), started on first use."""
    global _runtime
    if _runtime is None:
        _runtime = start()
    return _runtime


def reset_runtime() -> None:
    """Forget the runtime (tests switch databases between runs)."""
    global _runtime
    if _runtime is not None and "engine" in _runtime.__dict__:
        _runtime.engine.dispose()
    _runtime = None


@click.group(cls=LocalisedGroup)
@click.option("--locale", envvar="DIRECTCRM_LOCALE", default=None,
              help="Language of messages: en, zh_Hans_CN or zh_Hant_TW.")
def cli(locale: str | None) -> None:
    """directcrm: customer management for direct-selling brands."""
    set_locale(locale or "en")
    click.get_current_context().call_on_close(_close_sessions)


def _close_sessions() -> None:
    """End every session a command opened (commands need not close their contexts)."""
    if _runtime is not None:
        _runtime.close_sessions()


def handles_domain_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print domain and validation errors as clear messages and exit with status 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(_("Error: the input is not valid."), err=True)
            for field, messages in exc.errors.items():
                for message in messages:
                    click.echo(f"  {field}: {message}", err=True)
            sys.exit(1)
        except DomainError as exc:
            click.echo(_("Error: %(message)s", message=exc.message), err=True)
            sys.exit(1)

    return wrapper


Labeller = str | Callable[[Any], str]


def emit_rows(header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str,
              labels: Mapping[str, Labeller] | None = None) -> None:
    """Print rows as CSV (with a header) or as a JSON list of objects.

    ``labels`` names the columns that hold codes: column name → label family (as
    registered with :func:`core.labels.register_labels`, e.g. ``"stage"``) or a function
    giving a cell's text. The CSV table shows those cells' labels in the language of the
    command (``--locale``); ``--format json`` keeps the codes, for scripts.
    """
    if fmt == "json":
        data = [dict(zip(header, (_jsonable(v) for v in row), strict=True)) for row in rows]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    shown = [_labeller(labels[name]) if labels and name in labels else None
             for name in header]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v if show is None or v is None else show(v))
                         for v, show in zip(row, shown, strict=True)])


def _labeller(how: Labeller) -> Callable[[Any], str]:
    if callable(how):
        return how
    return lambda code: label(how, code)


def labels_of(kind: str, separator: str = " ") -> Callable[[Any], str]:
    """A cell of several codes of family ``kind`` (``"no_order no_contact"``, or a list)
    shown as their labels joined by a comma (for :func:`emit_rows`'s ``labels``)."""

    def show(cell: Any) -> str:
        items = cell if isinstance(cell, (list, tuple)) else str(cell).split(separator)
        return format_list([label(kind, item) for item in items if item != ""],
                           locale=current_locale())

    return show


def _csv_cell(value: Any) -> Any:
    # A text cell never runs as a formula in a spreadsheet (customer refs, names...).
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
                             default="csv", show_default=True, help="Output format.")
FORMAT_OPTION.__doc__ = """A command's ``--format csv|json`` option (default csv), passed to
the command as ``fmt``; print the rows with :func:`emit_rows`."""


def load_plugin_commands() -> None:
    """Add the commands that modules contribute through ``crm_cli_commands``."""
    rt = runtime()
    registry = rt.registry
    ctx = rt.ctx()
    try:
        for name in registry.ordered_names():
            info = registry.modules[name]
            if "crm_cli_commands" not in info.hooks:
                continue
            try:  # one module's failure must not take the other commands down
                commands = info.impl.crm_cli_commands(ctx=ctx) or []
            except Exception as exc:  # noqa: BLE001
                registry.mark_broken(name, f"crm_cli_commands: {type(exc).__name__}: {exc}")
                continue
            for command in commands:
                if command.name not in cli.commands:
                    set_help_domain(command, name)  # its help from its own catalog first
                    cli.add_command(command)
        from core.cli.imports import add_module_import_commands

        add_module_import_commands(ctx)  # after the modules' own: theirs win
    finally:
        ctx.session.close()


def warn_broken_modules() -> None:
    """One line on stderr per module that could not be loaded (it is treated as not
    installed; ``directcrm module disable BRAND NAME`` switches it off for a brand)."""
    for name, reason in sorted(runtime().registry.broken.items()):
        click.echo(_("Module %(name)s is not loaded: %(reason)s", name=name, reason=reason),
                   err=True)


@contextmanager
def brand_ctx(brand_code: str, *, user: str = "system", locale: str | None = None,
              module: str | None = None) -> Iterator[Ctx]:
    """A context for one command on a brand; its session is closed when the command ends.
    With ``module``, a brand that has not enabled the module is refused (ModuleError:
    the message, exit status 1 under :func:`handles_domain_errors`)."""
    ctx = runtime().ctx(brand_code, user=user, locale=locale)
    try:
        if module is not None and module not in ctx.enabled_modules:
            raise ModuleError(_("The %(module)s module is not enabled for brand %(brand)s.",
                                module=module, brand=brand_code))
        yield ctx
    finally:
        ctx.session.close()
