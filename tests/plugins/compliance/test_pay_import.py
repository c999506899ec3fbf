"""``import rep_pay``: line-numbered errors, all or nothing, idempotent on (rep, period, kind)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.errors import ValidationFailed
from plugins.compliance.models import ImportedRepPay
from tests.plugins.compliance.conftest import pay_csv


def _rows(ctx):
    ctx.session.rollback()
    return sorted((p, k, a) for p, k, a in ctx.session.execute(
        select(ImportedRepPay.period, ImportedRepPay.kind, ImportedRepPay.amount)
        .where(ImportedRepPay.brand_id == ctx.brand_id)))


CLEAN = [("2026-02", "commission", Decimal("60.00")), ("2026-02", "tax", Decimal("6.00"))]


def test_bad_rows_are_reported_by_line_and_nothing_is_written(clean_a, tmp_path):
    text = ("rep_ref,period,kind,amount\n"
            "R1,2026-03,commission,10.00\n"     # line 2: fine
            "R1,2026-13,bonus,1.00\n"           # line 3: bad month
            "NOPE,2026-03,bonus,1.00\n"         # line 4: unknown rep
            "R1,2026-03,bonus,-5.00\n"          # line 5: negative
            "R1,2026-03,commission,11.00\n"     # line 6: same key as line 2
            "R1,2026-03,Bad Kind,1.00\n")       # line 7: kind format
    with pytest.raises(ValidationFailed) as exc:
        pay_csv(clean_a, tmp_path, text)
    errors = exc.value.errors
    assert set(errors) == {"line 3: period", "line 4: rep_ref", "line 5: amount",
                           "line 6: kind", "line 7: kind"}
    assert "line 2" in errors["line 6: kind"][0]
    assert _rows(clean_a) == CLEAN


def test_missing_column(clean_a, tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        pay_csv(clean_a, tmp_path, "rep_ref,period,amount\nR1,2026-03,1.00\n")
    assert "kind" in exc.value.errors["header"][0]


def test_import_twice_changes_nothing_and_a_new_amount_replaces(clean_a, tmp_path):
    text = "rep_ref,period,kind,amount\nR1,2026-03,commission,10.00\nR1,2026-03,tax,1.00\n"
    first = pay_csv(clean_a, tmp_path, text)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = pay_csv(clean_a, tmp_path, text)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    fixed = pay_csv(clean_a, tmp_path, text.replace("10.00", "12.50"))
    assert (fixed.inserted, fixed.updated, fixed.unchanged) == (0, 1, 1)
    assert _rows(clean_a) == sorted(CLEAN + [("2026-03", "commission", Decimal("12.50")),
                                             ("2026-03", "tax", Decimal("1.00"))])


def test_other_brands_reps_are_unknown(clean_a, ctx_b, tmp_path):
    from core.services.modules import enable_modules
    from tests.plugins.compliance.conftest import rep
    rep(ctx_b, "RB")
    enable_modules(ctx_b, ["compliance"])
    with pytest.raises(ValidationFailed) as exc:
        pay_csv(clean_a, tmp_path, "rep_ref,period,kind,amount\nRB,2026-03,bonus,1.00\n")
    assert "line 2: rep_ref" in exc.value.errors


def test_cli_import_reports_line_errors(clean_a, rt, tmp_path, monkeypatch):
    from core.cli import common
    from core.cli.common import cli

    monkeypatch.setattr(common, "_runtime", rt)
    common.load_plugin_commands()
    path = tmp_path / "p.csv"
    path.write_text("rep_ref,period,kind,amount\nR1,2026-3,bonus,1.00\n", encoding="utf-8")
    group = "import" if "import" in cli.commands else "compliance"
    name = "rep_pay" if group == "import" else "import-pay"
    result = CliRunner().invoke(cli, [group, name, str(path), "--brand", "A"])
    assert result.exit_code == 1
    assert "line 2: period" in result.output
    path.write_text("rep_ref,period,kind,amount\nR1,2026-03,bonus,1.00\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [group, name, str(path), "--brand", "A"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
