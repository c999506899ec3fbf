"""Every import kind a brand can use: the core's five and those its enabled modules add.

A module registers an import kind by answering the ``crm_import_kinds`` hook with
:class:`ImportKind` declarations. Its ``run(ctx, path)`` imports a whole UTF-8 CSV file,
all or nothing: on invalid rows it raises :class:`RowErrors` (every bad row, by line and
column) and writes nothing; otherwise it writes and returns what it wrote
(``{"rep_pay": 12}``). The core gives such a kind what its own kinds have:
``directcrm import NAME FILE --brand B [--skip-invalid REJECTS.csv] [--json]``, the web
import page (a background job with progress, the per-line errors and the rejects file),
and "skip invalid rows": the core takes the rejected lines out of the file, writes them to
the rejects file with their reasons, and runs the import on the remaining lines.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.context import Ctx
from core.errors import DomainError, ValidationFailed
from core.i18n import N_, _, gettext_core, module_translations
from core.importing.base import ImportResult, RowError
from core.importing.reader import BadFile
from core.importing.runner import NoProgress, Progress, import_csv

log = logging.getLogger("directcrm.imports")

#: How many times "skip invalid rows" re-checks the remaining lines of a module's file
#: (a row may only be refused once another is gone, e.g. a duplicate of a rejected one).
MAX_ROUNDS = 5


class RowErrors(ValidationFailed):
    """Invalid rows of an imported file: ``rows`` lists every :class:`RowError` (line as
    counted in the file, the header being line 1; column; reason). Raised by an import
    kind's ``run`` before it writes anything. As a :class:`ValidationFailed` its ``errors``
    read ``{"line 3: rep_ref": [reason, ...]}`` (what the CLI prints)."""

    def __init__(self, rows: Sequence[RowError]) -> None:
        self.rows = sorted(rows, key=lambda e: e.line)
        errors: dict[str, list[str]] = {}
        for e in rows:
            errors.setdefault(_("line %(line)s: %(field)s", line=e.line, field=e.column),
                              []).append(e.reason)
        super().__init__(errors)


ImportRun = Callable[[Ctx, Path], "Mapping[str, int] | None"]


@dataclass(frozen=True)
class ImportKind:
    """An importable file type.

    :param name: the kind's name: ``directcrm import NAME``; unique (a module prefixes
        its own, e.g. ``acme_meetings_attendance``).
    :param label: its name for people, marked with ``N_`` (translated when shown).
    :param columns: the required columns, in the order a template file has them.
    :param optional: the optional columns.
    :param run: ``run(ctx, path) -> {record type: count} | None``: imports the file for
        ``ctx.brand`` as ``ctx.user``, all or nothing, raising :class:`RowErrors` for
        invalid rows (nothing written) and :class:`ValidationFailed` for a file it cannot
        read at all (missing columns). Importing the same file twice changes nothing the
        second time. None only for the core's own kinds.
    :param help: one sentence on what a row is and what an import does, marked with
        ``N_`` (shown on the import page and as the CLI command's help).
    :param record_labels: how the job's page names the keys ``run`` returns
        (``{"attendance": N_("Attendances")}``); a key without one is shown as is.
    :param module: filled in by the core: the module that declared the kind.
    """

    name: str
    label: str
    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    run: ImportRun | None = field(default=None, repr=False, compare=False)
    help: str | None = None
    record_labels: Mapping[str, str] | None = field(default=None, compare=False)
    module: str | None = None


def kind_text(kind: ImportKind, text: str | None) -> str:
    """A kind's label or help in the current language: a module's from its own catalog
    (domain = the module's name) first, the core's from the core's."""
    if not text:
        return ""
    if kind.module is None:
        return gettext_core(text)
    return module_translations(kind.module).gettext(text)


def _core_kinds() -> list[ImportKind]:
    from core.importing import KINDS

    out = []
    for name, kind in KINDS.items():
        required, optional = kind.columns()
        out.append(ImportKind(name=name, label=_CORE_RECORDS.get(name, name),
                              columns=tuple(required), optional=tuple(optional),
                              record_labels=_CORE_RECORDS))
    return out


#: The core's kinds and the records they count.
_CORE_RECORDS = {"reps": N_("Reps"), "customers": N_("Customers"),
                 "products": N_("Products"), "orders": N_("Orders"),
                 "returns": N_("Returns"), "order_lines": N_("Order lines"),
                 "payments": N_("Payments"), "return_lines": N_("Return lines"),
                 "refunds": N_("Refunds")}


def import_kinds(ctx: Ctx, *, every_module: bool = False) -> dict[str, ImportKind]:
    """The import kinds of the brand, by name: the core's, then those of its enabled
    modules in dependency order (``every_module``: of every installed module, for the
    CLI's commands). A name already taken is ignored (and logged)."""
    kinds = {k.name: k for k in _core_kinds()}
    registry = ctx.registry
    for name in registry.ordered_names():
        info = registry.modules[name]
        if "crm_import_kinds" not in info.hooks:
            continue
        if not every_module and name not in ctx.enabled_modules:
            continue
        for kind in info.impl.crm_import_kinds(ctx=ctx) or []:
            if kind.name in kinds:
                log.warning("import kind %s of module %s ignored: the name is taken",
                            kind.name, name)
                continue
            if kind.run is None:
                raise TypeError(f"import kind {kind.name} of module {name} has no run")
            kinds[kind.name] = replace(kind, module=name)
    return kinds


def unknown_kind(kinds: Mapping[str, ImportKind], name: str) -> DomainError:
    """The error for a kind the brand does not have."""
    return DomainError(_("Unknown import kind %(kind)s (one of: %(kinds)s).", kind=name,
                         kinds=", ".join(kinds)))


def run_import(ctx: Ctx, kind_name: str, path: str | os.PathLike[str], *,
               rejects_path: str | os.PathLike[str] | None = None,
               progress: Progress | None = None) -> ImportResult:
    """Import a CSV file of any kind the brand has (the CLI's and the web's one path).

    The core's kinds run :func:`~core.importing.import_csv`; a module's kind runs its
    ``run``, with the same result shape: per-line errors, and with ``rejects_path`` the
    valid lines imported and the invalid ones written there with a ``reason`` column."""
    kinds = import_kinds(ctx)
    kind = kinds.get(kind_name)
    if kind is None:
        raise unknown_kind(kinds, kind_name)
    if kind.run is None:
        return import_csv(ctx, kind_name, path, rejects_path=rejects_path, progress=progress)
    return _run_module_kind(ctx, kind, Path(path), rejects_path, progress or NoProgress())


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records, as ``csv.DictReader`` sees them (blank lines dropped)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = [r for r in csv.reader(handle) if r != []]
    except OSError as exc:
        raise BadFile(_("Cannot open %(path)s: %(reason)s", path=str(path),
                        reason=exc.strerror or str(exc))) from None
    except UnicodeDecodeError:
        raise BadFile(_("The file is not valid UTF-8 (near line %(line)s); save it as "
                        "UTF-8 CSV.", line=1)) from None
    except csv.Error as exc:
        raise BadFile(_("The CSV is malformed on line %(line)s: %(reason)s", line=1,
                        reason=str(exc))) from None
    if not rows:
        raise BadFile(_("The file is empty: a header row is required."))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: Sequence[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _run_module_kind(ctx: Ctx, kind: ImportKind, path: Path,
                     rejects_path: str | os.PathLike[str] | None,
                     progress: Progress) -> ImportResult:
    assert kind.run is not None
    started = time.perf_counter()
    result = ImportResult(kind=kind.name)
    header, records = _read(path)
    known = set(kind.columns) | set(kind.optional)
    result.rows_read = len(records)
    result.ignored_columns = [h.strip() for h in header if h.strip() not in known]
    progress.phase(_("Importing"), max(len(records), 1))
    bad: dict[int, list[RowError]] = {}  # line in the file -> its errors
    try:
        counts = kind.run(ctx, path)
    except RowErrors as exc:
        ctx.session.rollback()
        for e in exc.rows:
            bad.setdefault(e.line, []).append(e)
        if rejects_path is None:
            result.errors = list(exc.rows)
            result.rejected = len(bad)
            result.seconds = time.perf_counter() - started
            progress.done()
            return result
        counts = _import_the_rest(ctx, kind, path, header, records, bad)
    finally:
        ctx.session.rollback()
    if rejects_path is not None:
        _write(Path(rejects_path), [*header, "reason"], [
            [*records[line - 2], "; ".join(f"{e.column}: {e.reason}" for e in bad[line])]
            for line in sorted(bad)])
        result.rejects_file = str(rejects_path)
    result.errors = [e for line in sorted(bad) for e in bad[line]]
    result.rejected = len(bad)
    result.imported = len(records) - len(bad)
    result.units = {k: int(v) for k, v in (counts or {}).items()}
    result.committed = True
    progress.advance(len(records))
    progress.done()
    result.seconds = time.perf_counter() - started
    return result


def _import_the_rest(ctx: Ctx, kind: ImportKind, path: Path, header: list[str],
                     records: list[list[str]], bad: dict[int, list[RowError]]
                     ) -> Mapping[str, int] | None:
    """Run the kind on the lines not in ``bad`` (adding to ``bad`` the lines it still
    refuses), until it accepts them all."""
    assert kind.run is not None
    with tempfile.TemporaryDirectory(prefix="directcrm-import-") as folder:
        rest_path = Path(folder) / path.name  # the module may record the file's name
        for _round in range(MAX_ROUNDS):
            lines = [i + 2 for i in range(len(records)) if i + 2 not in bad]
            if not lines:
                return None
            _write(rest_path, header, [records[line - 2] for line in lines])
            try:
                return kind.run(ctx, rest_path)
            except RowErrors as exc:
                ctx.session.rollback()
                for e in exc.rows:
                    if not 2 <= e.line < len(lines) + 2:
                        raise
                    line = lines[e.line - 2]
                    bad.setdefault(line, []).append(RowError(line, e.column, e.reason))
    raise DomainError(_("The valid rows could not be told apart from the invalid ones; "
                        "fix the rows listed and import the file again."),
                      code="import_write_failed")
