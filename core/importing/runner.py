"""The two-pass import driver.

Pass 1 reads the CSV as a stream, validates every row (row schema, then the kind's checks
against the brand's data and earlier rows) and spools the compact payload of each valid
unit to a temporary file. If any row is invalid and rejects are not allowed, it stops
there: nothing is written and every bad row is reported. Pass 2 reads the spool back and
writes the payloads in batches, one write transaction per batch, hooks once per batch.

Memory stays bounded: chunks of rows, the keys seen in the file, and the kind's ref maps.
"""

from __future__ import annotations

import csv
import os
import pickle
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.exc import DBAPIError

from core.context import Ctx
from core.errors import DomainError
from core.i18n import _
from core.importing.base import ImportResult, Kind, Row, Unit
from core.importing.reader import CsvSource, check_header

CHUNK_ROWS = 2000
BATCH_ROWS = 5000


class Progress(Protocol):
    """Receives progress: a phase with its total, then advances."""

    def phase(self, label: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def done(self) -> None: ...


class NoProgress:
    """Progress that shows nothing (tests, non-terminal output)."""

    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def done(self) -> None:
        pass


class RejectsWriter:
    """Writes rejected rows with their original cells plus a ``reason`` column."""

    def __init__(self, path: str | os.PathLike[str], header: list[str]) -> None:
        self.path = Path(path)
        self._fh: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._fh)
        self._writer.writerow([*header, "reason"])

    def unit(self, unit: Unit, kind: Kind) -> None:
        by_line: dict[int, list[str]] = {}
        for e in unit.errors:
            by_line.setdefault(e.line, []).append(f"{e.column}: {e.reason}")
        bad_line = min(by_line) if by_line else unit.first_line
        for row in unit.rows:
            reasons = by_line.get(row.line)
            reason = "; ".join(reasons) if reasons else _(
                "Rejected with the other rows of %(column)s %(ref)s (line %(line)s is "
                "invalid).", column=kind.key_column, ref=unit.key, line=bad_line)
            self._writer.writerow([*row.cells, reason])

    def close(self) -> None:
        self._fh.close()


def import_csv(ctx: Ctx, kind_name: str, path: str | os.PathLike[str], *,
               rejects_path: str | os.PathLike[str] | None = None,
               progress: Progress | None = None, batch_rows: int = BATCH_ROWS) -> ImportResult:
    """Import a CSV file of ``kind_name`` rows for ``ctx.brand``.

    Without ``rejects_path`` a file with any invalid row imports nothing and the result
    lists every bad row; with it, valid units go in and bad rows are written there.
    Rows whose reference already exists are skipped, so a second run changes nothing.
    """
    from core.importing import KINDS

    if kind_name not in KINDS:
        raise DomainError(_("Unknown import kind %(kind)s (one of: %(kinds)s).",
                            kind=kind_name, kinds=", ".join(KINDS)))
    started = time.perf_counter()
    progress = progress or NoProgress()
    result = ImportResult(kind=kind_name)
    kind = KINDS[kind_name](ctx, result)
    with CsvSource(path) as source:
        required, optional = kind.columns()
        result.ignored_columns = check_header(source.header, required, optional)
        kind.begin()
        rejects = RejectsWriter(rejects_path, source.header) if rejects_path else None
        try:
            with tempfile.TemporaryFile(prefix="directcrm-import-") as spool:
                to_write = _pass_one(kind, source, spool, rejects, progress)
                ctx.session.rollback()  # end the read transaction of pass 1
                if result.errors and rejects is None:
                    result.seconds = time.perf_counter() - started
                    return result
                spool.seek(0)
                _pass_two(ctx, kind, spool, to_write, progress, batch_rows, source.path.name)
        finally:
            if rejects is not None:
                rejects.close()
                result.rejects_file = str(rejects.path)
            progress.done()
    result.committed = True
    result.seconds = time.perf_counter() - started
    return result


def _pass_one(kind: Kind, source: CsvSource, spool: IO[bytes], rejects: RejectsWriter | None,
              progress: Progress) -> int:
    """Validate every row; spool valid payloads; return how many rows are to be written."""
    result = kind.result
    header = source.header
    width = len(header)
    key_index = header.index(kind.key_column)
    seen: dict[str, int] = {}
    pending: list[Unit] = []
    pending_rows = 0
    current: Unit | None = None
    to_write = 0
    progress.phase(_("Checking"), source.size)
    last_pos = 0

    def flush(units: list[Unit]) -> None:
        nonlocal to_write, last_pos
        kind.lookup(units)
        payloads: list[Any] = []
        for unit in units:
            kind.check(unit)
        kind.check_batch([u for u in units if u.payload is not None and not u.errors])
        for unit in units:
            if unit.errors:
                result.rejected += len(unit.rows)
                result.errors.extend(sorted(unit.errors, key=lambda e: e.line))
                if rejects is not None:
                    rejects.unit(unit, kind)
            elif unit.skip:
                result.skipped += len(unit.rows)
            else:
                payloads.append((unit.first_line, unit.rows[-1].line,
                                 kind.spool(unit.payload)))
                to_write += len(unit.rows)
        if payloads:
            pickle.dump(payloads, spool, protocol=pickle.HIGHEST_PROTOCOL)
        pos = source.position
        progress.advance(pos - last_pos)
        last_pos = pos

    for line, cells in source:
        result.rows_read += 1
        errors: dict[str, list[str]]
        if len(cells) != width:
            values, errors = None, {"_row": [_(
                "This row has %(cells)s cells but the header has %(columns)s.",
                cells=len(cells), columns=width)]}
        else:
            values, errors = kind.parse(header, cells)
        key = cells[key_index].strip() if key_index < len(cells) else ""
        if "\x00" in key:  # refused by the schema; never looked up (PostgreSQL refuses it)
            key = ""
        row = Row(line, cells, values)
        if current is not None and key and key == current.key:
            current.rows.append(row)
        else:
            if current is not None:
                pending.append(current)
                pending_rows += len(current.rows)
            current = Unit(key or None, [row])
            if key:
                if key in seen:
                    current.error(row, kind.key_column, kind.not_consecutive(key, seen[key]))
                else:
                    seen[key] = line
        for column, messages in errors.items():
            current.error(row, column, " ".join(messages))
        if pending_rows >= CHUNK_ROWS:
            flush(pending)
            pending, pending_rows = [], 0
    if current is not None:
        pending.append(current)
    flush(pending)
    return to_write


def _pass_two(ctx: Ctx, kind: Kind, spool: IO[bytes], total: int, progress: Progress,
              batch_rows: int, source_name: str) -> None:
    """Write the spooled payloads in batches, one transaction and one hook call each."""
    if total == 0:
        return
    progress.phase(_("Importing"), total)
    batch: list[Any] = []
    size = 0
    lines = [0, 0]  # first and last line of the file in the batch

    from core.audit.services import record_bulk

    def write(items: Sequence[Any], n: int) -> None:
        try:
            with ctx.write():
                kind.write(items)
                # One summary of the batch (the rows written are audited by insert_many).
                record_bulk(ctx, "import", record_type=kind.name, count=len(items),
                            details={"rows": n, "file": source_name,
                                     "lines": f"{lines[0]}-{lines[1]}"})
        except DBAPIError as exc:
            # Validation covers every bound the databases know; should one still refuse a
            # row, the batch is rolled back and the earlier batches stay: a run again skips
            # them (refs already present) and continues here.
            raise DomainError(_(
                "The database refused a row in lines %(first)s to %(last)s (%(reason)s). "
                "Those lines were not written; the %(done)s rows before them were, and are "
                "skipped when the file is imported again.", first=lines[0], last=lines[1],
                done=kind.result.imported,
                reason=str(getattr(exc, "orig", exc)).splitlines()[0][:200]),
                code="import_write_failed") from exc
        kind.result.imported += n
        progress.advance(n)

    while True:
        try:
            payloads = pickle.load(spool)
        except EOFError:
            break
        for first_line, last_line, payload in payloads:
            if not batch:
                lines[0] = first_line
            lines[1] = last_line
            batch.append(payload)
            size += kind.payload_size(payload)
            if size >= batch_rows:
                write(batch, size)
                batch, size = [], 0
    if batch:
        write(batch, size)
