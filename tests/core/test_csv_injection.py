"""No CSV the product writes lets a spreadsheet run a value as a formula (hardening 13)."""

from __future__ import annotations

import csv
import io

from core.context import Ctx
from core.csv_cells import spreadsheet_safe
from core.services.customers import create_customer
from core.services.orders import create_order
from core.services.products import create_product
from core.services.reps import create_rep
from tests.core.tasks_helpers import run_cli_fixture  # noqa: F401  (fixture)


def test_formula_starts_are_neutralised_and_numbers_kept() -> None:
    assert [spreadsheet_safe(v) for v in ("=1+1", "+86", "-x", "@SUM(A1)", "\tx", "C001")] \
        == ["'=1+1", "'+86", "'-x", "'@SUM(A1)", "'\tx", "C001"]
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe(None) is None
    assert spreadsheet_safe("-") == "-"


def test_cli_csv_outputs_escape_a_formula_ref(ctx_a: Ctx, run_cli) -> None:  # noqa: F811
    create_rep(ctx_a, {"rep_ref": "R1", "name": "王芳", "status": "active"})
    create_product(ctx_a, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                           "list_price": "100.00"})
    create_customer(ctx_a, {"customer_ref": '=HYPERLINK("http://x","y")', "name": "甲",
                            "rep_ref": "R1"})
    create_order(ctx_a, {"order_ref": "O1", "customer_ref": '=HYPERLINK("http://x","y")',
                         "ordered_at": "2025-01-10T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
    for args in (("customers", "silent", "--brand", "A", "--as-of", "2026-03-01"),
                 ("segments", "--brand", "A", "--scheme", "abc", "--as-of", "2025-06-01")):
        out = run_cli(*args)
        assert out.exit_code == 0, out.output
        cells = [row[0] for row in csv.reader(io.StringIO(out.stdout))][1:]
        assert cells == ['\'=HYPERLINK("http://x","y")'], (args, out.output)
