"""Building blocks of the CSV import: rows, units, errors, results and the ``Kind`` base.

A *unit* is what is imported or rejected as a whole: one order (all its lines), one return
(all its lines), or one rep, customer or product row. The runner (``core.importing.runner``)
reads the file, groups consecutive rows into units and hands them to the kind; the kind
checks references, builds a compact payload per valid unit, and later writes payloads in
batches with SQLAlchemy Core, firing the hooks once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError

from core.context import Ctx
from core.i18n import _
from core.importing.fastload import FastLoader
from core.schemas import flatten_errors


@dataclass(slots=True)
class RowError:
    """Why one CSV row is invalid: its line number in the file, the column, the reason."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass(slots=True)
class Row:
    """One CSV row: where it starts, its original cells, and its validated values."""

    line: int
    cells: list[str]
    values: dict[str, Any] | None


@dataclass
class Unit:
    """Rows imported or rejected together (an order's lines, or a single rep row)."""

    key: str | None
    rows: list[Row]
    errors: list[RowError] = field(default_factory=list)
    skip: bool = False
    payload: Any = None

    @property
    def first_line(self) -> int:
        return self.rows[0].line

    def error(self, row: Row, column: str, reason: str) -> None:
        """Record a problem with one of the unit's rows."""
        self.errors.append(RowError(row.line, column, reason))

    def valid_rows(self) -> list[Row]:
        """Rows that passed the row schema."""
        return [r for r in self.rows if r.values is not None]


@dataclass
class Warning_:
    """Something worth a look that does not stop the row (e.g. a likely duplicate)."""

    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    """What an import did. Counts are CSV rows; ``units`` counts records per table."""

    kind: str
    rows_read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    warnings_total: int = 0
    units: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        """True when the file went in (nothing rejected, or rejects were allowed)."""
        return self.committed

    def count(self, name: str, n: int = 1) -> None:
        self.units[name] = self.units.get(name, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows_read": self.rows_read, "imported": self.imported,
                "skipped": self.skipped, "rejected": self.rejected,
                "seconds": round(self.seconds, 3), "committed": self.committed,
                "records": dict(self.units), "rejects_file": self.rejects_file,
                "ignored_columns": self.ignored_columns,
                "errors": [e.as_dict() for e in self.errors],
                "warnings_total": self.warnings_total,
                "warnings": [w.as_dict() for w in self.warnings]}


MAX_WARNINGS_KEPT = 1000


class Kind:
    """One importable file type. Subclasses set the schema and implement the four steps.

    ``begin`` loads the brand's reference maps; ``lookup`` does the per-chunk database
    lookups for a list of complete units; ``check`` validates one unit in file order (it
    may use state from earlier units) and sets ``unit.skip``, errors, or ``unit.payload``;
    ``write`` inserts a batch of payloads inside the caller's write transaction and fires
    the hooks once for the batch.
    """

    name: ClassVar[str]
    schema: ClassVar[type[Schema]]
    key_column: ClassVar[str]
    # True when several consecutive rows with the same key form one unit (orders, returns).
    multi_row: ClassVar[bool] = False

    def __init__(self, ctx: Ctx, result: ImportResult) -> None:
        self.ctx = ctx
        self.result = result
        self._loader = FastLoader(self.schema(tz=ctx.tz))  # type: ignore[call-arg]

    # -- columns ------------------------------------------------------------------------

    @classmethod
    def columns(cls) -> tuple[list[str], list[str]]:
        """(required, optional) column names, from the row schema."""
        required, optional = [], []
        for name, f in cls.schema().fields.items():
            (required if f.required else optional).append(f.data_key or name)
        return required, optional

    # -- parsing ------------------------------------------------------------------------

    def prepare(self, data: dict[str, Any]) -> dict[str, Any]:
        """Adapt a cleaned CSV row before the schema sees it (e.g. split lists)."""
        return data

    def parse(self, header: Sequence[str], cells: Sequence[str]
              ) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
        """Validate one row with the schema: (values, {}) or (None, {column: messages}).

        Cells are trimmed and empty ones dropped (``core.schemas.clean_row``'s rule).
        """
        data = {k: s for k, c in zip(header, cells, strict=True) if (s := c.strip())}
        try:
            return self._loader.load(self.prepare(data)), {}
        except ValidationError as exc:
            return None, flatten_errors(exc.messages)

    # -- messages -----------------------------------------------------------------------

    def not_consecutive(self, key: str, first_line: int) -> str:
        """Message for a key seen again after other rows."""
        if self.multi_row:
            return _("The rows of %(column)s %(ref)s must be consecutive; it already appeared "
                     "on line %(line)s.", column=self.key_column, ref=key, line=first_line)
        return _("Duplicate %(column)s %(ref)s: already on line %(line)s.",
                 column=self.key_column, ref=key, line=first_line)

    def check_single_row(self, unit: Unit) -> bool:
        """For one-row kinds: flag repeated keys on consecutive rows. True if unit is clean."""
        if self.multi_row or len(unit.rows) == 1:
            return True
        for row in unit.rows[1:]:
            unit.error(row, self.key_column, _(
                "Duplicate %(column)s %(ref)s: already on line %(line)s.",
                column=self.key_column, ref=unit.key, line=unit.first_line))
        return False

    def warn(self, line: int, message: str) -> None:
        self.result.warnings_total += 1
        if len(self.result.warnings) < MAX_WARNINGS_KEPT:
            self.result.warnings.append(Warning_(line, message))

    # -- the four steps -----------------------------------------------------------------

    def begin(self) -> None:
        """Load what every unit needs (the brand's ref → id maps)."""

    def spool(self, payload: Any) -> Any:
        """The form a checked payload is spooled in between the passes (pickled: a
        NamedTuple pickles many times faster than a frozen dataclass)."""
        return payload

    def check_batch(self, units: Sequence[Unit]) -> None:
        """After ``check`` of a chunk's units: decisions asked once for the chunk (the
        modules' batch hooks). May add errors to units."""

    def lookup(self, units: Sequence[Unit]) -> None:
        """Batch database lookups for these units (existing refs...)."""

    def check(self, unit: Unit) -> None:
        """Validate a unit; set ``skip``, record errors, or set ``payload``."""
        raise NotImplementedError

    def payload_size(self, payload: Any) -> int:
        """How many CSV rows a payload carries (for batching and progress)."""
        return 1

    def write(self, payloads: Sequence[Any]) -> None:
        """Insert a batch of payloads (inside a write transaction) and fire hooks."""
        raise NotImplementedError


def enabled_implementers(ctx: Ctx, hook_name: str) -> bool:
    """True if a module enabled for the brand implements ``hook_name``.

    Lets bulk paths skip per-record decision hooks when no enabled module cares.
    """
    impls = getattr(ctx.registry.pm.hook, hook_name).get_hookimpls()
    return any(i.plugin_name in ctx.enabled_modules for i in impls)
