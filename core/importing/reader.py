"""Streaming CSV reading: UTF-8 (with or without BOM), a header row, physical line numbers."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from core.errors import DomainError
from core.i18n import _


class BadFile(DomainError):
    """The file as a whole cannot be imported (encoding, header, CSV syntax)."""

    code = "bad_file"


class CsvSource:
    """Rows of a CSV file with the line each starts on (the header is line 1).

    Reads as a stream: memory does not grow with the file. ``position`` is the number of
    bytes consumed so far, for a progress bar.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise BadFile(_("Cannot open %(path)s: %(reason)s", path=str(path),
                            reason=exc.strerror or str(exc))) from None
        self.size = os.fstat(self._raw.fileno()).st_size
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._text, strict=True)
        header = self._next_row()
        if header is None:
            raise BadFile(_("The file is empty: a header row is required."))
        self.header = [h.strip() for h in header]

    def _next_row(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            raise BadFile(_("The file is not valid UTF-8 (near line %(line)s); save it as "
                            "UTF-8 CSV.", line=self._reader.line_num + 1)) from None
        except csv.Error as exc:
            raise BadFile(_("The CSV is malformed on line %(line)s: %(reason)s",
                            line=self._reader.line_num, reason=str(exc))) from None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """``(line number, cells)`` for every non-blank row after the header."""
        previous = self._reader.line_num
        while True:
            cells = self._next_row()
            if cells is None:
                return
            start, previous = previous + 1, self._reader.line_num
            if not any(c.strip() for c in cells):
                continue
            yield start, cells

    @property
    def position(self) -> int:
        """Bytes read from the file so far."""
        return self._raw.tell()

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def check_header(header: list[str], required: list[str], optional: list[str]) -> list[str]:
    """Refuse a header with missing or repeated columns; return the ignored (unknown) ones."""
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise BadFile(_("The header repeats columns: %(columns)s.", columns=", ".join(repeated)))
    missing = [c for c in required if c not in header]
    if missing:
        raise BadFile(_("The header lacks required columns: %(columns)s (expected: "
                        "%(expected)s).", columns=", ".join(missing),
                        expected=", ".join(required + optional)))
    known = set(required) | set(optional)
    return [h for h in header if h not in known]
