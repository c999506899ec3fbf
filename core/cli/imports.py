"""``directcrm import KIND FILE --brand CODE [--skip-invalid REJECTS.csv]``: one subcommand
per kind, so modules can add kinds of their own to the group."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.cli.help_i18n import set_help_domain
from core.context import Ctx
from core.errors import require_module
from core.i18n import _
from core.importing import KINDS, ImportResult, NoProgress
from core.importing.kinds import import_kinds, run_import

ERRORS_SHOWN_IN_FULL = 1000


class BarProgress:
    """A click progress bar on stderr, one per phase (only used on a terminal)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def phase(self, label: str, total: int) -> None:
        self.done()
        self._bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr,
                                      show_pos=False, show_percent=True, show_eta=True)
        self._bar.__enter__()

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def done(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@cli.group("import")
def import_group() -> None:
    """Import UTF-8 CSV files (reps, customers, products, orders, returns; modules add
    their own kinds, e.g. the compliance module's rep_pay).

    A file with any invalid row imports nothing unless --skip-invalid is given; rows whose
    reference already exists are skipped, so running the same file again changes nothing.
    """


def _import_command(kind: str, help_text: str | None = None,
                    module: str | None = None) -> click.Command:
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--brand", "brand_code", required=True, help="Brand code to import into.")
    @click.option("--skip-invalid", "rejects", type=click.Path(dir_okay=False, writable=True),
                  default=None, help="Import the valid rows and write the bad ones (with a "
                  "reason column) to this CSV file.")
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
    @handles_domain_errors
    def command(file: str, brand_code: str, rejects: str | None, as_json: bool) -> None:
        ctx = runtime().ctx(brand_code)
        progress = BarProgress() if sys.stderr.isatty() and not as_json else NoProgress()
        try:
            if module is not None:
                require_module(ctx, module)
            result = run_import(ctx, kind, file, rejects_path=rejects, progress=progress)
        finally:
            ctx.session.close()
        if as_json:
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            _print_result(result)
        if not result.committed:
            sys.exit(1)

    command.__doc__ = help_text or f"Import a CSV FILE of {kind} (columns: see the README)."
    return import_group.command(kind)(command)


for _kind in KINDS:
    _import_command(_kind)


def add_module_import_commands(ctx: Ctx) -> None:
    """``directcrm import NAME`` for each import kind an installed module declares
    (``crm_import_kinds``), unless the module added that command itself: the same
    :func:`~core.importing.kinds.run_import` as the web import page."""
    for name, kind in import_kinds(ctx, every_module=True).items():
        if kind.module is None or name in import_group.commands:
            continue
        command = _import_command(name, kind.help or kind.label, kind.module)
        # The columns, as a template file's header (optional ones in brackets).
        command.epilog = ",".join([*kind.columns, *(f"[{c}]" for c in kind.optional)])
        set_help_domain(command, kind.module)  # its help from the module's catalog first


def _print_result(result: ImportResult) -> None:
    if result.ignored_columns:
        click.echo(_("Ignored unknown columns: %(columns)s",
                     columns=", ".join(result.ignored_columns)), err=True)
    if result.errors:
        if result.committed:
            click.echo(_("%(n)s rows rejected, written to %(file)s.", n=result.rejected,
                         file=result.rejects_file), err=True)
        else:
            click.echo(_("Nothing imported: %(n)s invalid rows. Fix them, or use "
                         "--skip-invalid REJECTS.csv to import the valid rows.",
                         n=result.rejected), err=True)
            for e in result.errors[:ERRORS_SHOWN_IN_FULL]:
                click.echo(_("line %(line)s, column %(column)s: %(reason)s", line=e.line,
                             column=e.column, reason=e.reason), err=True)
            if len(result.errors) > ERRORS_SHOWN_IN_FULL:
                click.echo(_("... and %(n)s more (use --json for all of them).",
                             n=len(result.errors) - ERRORS_SHOWN_IN_FULL), err=True)
    if result.warnings_total:
        click.echo(_("%(n)s warnings:", n=result.warnings_total), err=True)
        for w in result.warnings[:50]:
            click.echo(_("line %(line)s: %(message)s", line=w.line, message=w.message),
                       err=True)
    records = ", ".join(f"{k} {v}" for k, v in result.units.items())
    click.echo(_("%(kind)s: %(read)s rows read, %(imported)s imported, %(skipped)s skipped, "
                 "%(rejected)s rejected, %(seconds).1f s", kind=result.kind,
                 read=result.rows_read, imported=result.imported, skipped=result.skipped,
                 rejected=result.rejected, seconds=result.seconds)
               + (f" ({records})" if records else ""))
