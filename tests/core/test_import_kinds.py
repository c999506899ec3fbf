"""How the core runs a module's all-or-nothing import kind (``core.importing.kinds``): per
line errors, and with a rejects file the refused lines taken out and the rest imported,
also when a line is only refused once another one is gone."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.context import Ctx
from core.errors import ValidationFailed
from core.importing.base import RowError
from core.importing.kinds import ImportKind, RowErrors, _run_module_kind, import_kinds
from core.importing.runner import NoProgress


class Ledger:
    """A toy import: ``key,value,needs`` rows; ``value`` must be a number, and a row that
    ``needs`` a key is refused when no row of that key is in the file. Records what it
    wrote and the names of the files it was given."""

    def __init__(self) -> None:
        self.written: list[tuple[str, str]] = []
        self.files: list[str] = []

    def run(self, ctx: Ctx, path: Path) -> dict[str, int]:
        self.files.append(path.name)
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(enumerate(csv.DictReader(handle), start=2))
        keys = {r["key"] for _line, r in rows}
        errors = [RowError(line, "value", "Not a number.") for line, r in rows
                  if not r["value"].isdigit()]
        errors += [RowError(line, "needs", f"No row {r['needs']}.") for line, r in rows
                   if r["needs"] and r["needs"] not in keys]
        if errors:
            raise RowErrors(errors)
        self.written += [(r["key"], r["value"]) for _line, r in rows]
        return {"entries": len(rows)}


FILE = ("key,value,needs,comment\n"
        "a,1,,\n"      # line 2: fine
        "b,x,,\n"      # line 3: not a number
        "c,3,b,\n"     # line 4: needs b: refused once line 3 is out
        "d,4,a,\n")    # line 5: needs a, which stays


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text(FILE, encoding="utf-8")
    return path


def _kind(ledger: Ledger) -> ImportKind:
    return ImportKind("toy_ledger", "Ledger", columns=("key", "value"),
                      optional=("needs",), run=ledger.run, module="toy")


def test_all_or_nothing_lists_the_bad_lines_and_writes_nothing(ctx_a: Ctx,
                                                               source: Path) -> None:
    ledger = Ledger()
    result = _run_module_kind(ctx_a, _kind(ledger), source, None, NoProgress())
    assert not result.committed and ledger.written == []
    # Line 4 needs b, which is in the file: only line 3 is refused.
    assert [(e.line, e.column) for e in result.errors] == [(3, "value")]
    assert (result.rows_read, result.imported, result.rejected) == (4, 0, 1)
    assert result.ignored_columns == ["comment"]


def test_rejects_take_the_refused_lines_out_until_the_rest_goes_in(
        ctx_a: Ctx, source: Path, tmp_path: Path) -> None:
    ledger = Ledger()
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    result = _run_module_kind(ctx_a, _kind(ledger), source, rejects, NoProgress())
    assert result.committed
    # Round 1 refuses line 3; round 2, without b, refuses line 4 (line 3 of that file).
    assert [(e.line, e.column) for e in result.errors] == [(3, "value"), (4, "needs")]
    assert (result.imported, result.rejected, result.units) == (2, 2, {"entries": 2})
    assert ledger.written == [("a", "1"), ("d", "4")]
    assert ledger.files == ["ledger.csv"] * 3  # the rest keeps the file's name
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "key,value,needs,comment,reason",
        "b,x,,,value: Not a number.",
        "c,3,b,,needs: No row b."]


def test_a_file_it_cannot_read_is_the_kinds_error(ctx_a: Ctx, tmp_path: Path) -> None:
    def run(ctx: Ctx, path: Path) -> None:
        raise ValidationFailed({"header": ["Missing columns: key."]})

    path = tmp_path / "x.csv"
    path.write_text("nothing\n1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        _run_module_kind(ctx_a, ImportKind("toy", "Toy", ("key",), run=run), path, None,
                         NoProgress())


def test_the_core_kinds_come_first_and_modules_only_where_enabled(
        ctx_a: Ctx, enable: object) -> None:
    assert list(import_kinds(ctx_a)) == ["reps", "customers", "products", "orders",
                                         "returns"]
    enable(ctx_a, "compliance")  # type: ignore[operator]
    kinds = import_kinds(ctx_a)
    assert list(kinds)[-1] == "rep_pay" and kinds["rep_pay"].module == "compliance"
    assert "consents" not in kinds
    assert {"rep_pay", "consents", "referrals"} <= set(import_kinds(ctx_a,
                                                                    every_module=True))
