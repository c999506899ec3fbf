"""CLI tables show labels in the command's language; ``--format json`` keeps the codes."""

from __future__ import annotations

import csv
import io
import json

from core.models import Task, TaskStatus
from core.services.products import create_product
from tests.core.tasks_helpers import (  # noqa: F401
    customer,
    order,
    rep,
    run_cli_fixture,
    utc,
)

NOW = "2026-03-02T10:00:00+08:00"


def _rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def _birthday_task(ctx, rep_id: int, customer_id: int) -> None:
    # A rule wrote this title in brand A's language (Simplified Chinese) yesterday.
    with ctx.write() as session:
        session.add(Task(brand_id=ctx.brand_id, rep_id=rep_id, customer_id=customer_id,
                         title="生日祝福：生日在 2026-03-05", kind="birthday",
                         due_at=utc(2026, 3, 1, 1), status=TaskStatus.OPEN,
                         created_at=utc(2026, 2, 28, 1)))


def test_tasks_today_in_english_chinese_and_json(ctx_a, run_cli):
    r1 = rep(ctx_a, "R1")
    c1 = customer(ctx_a, "C1", "R1")
    _birthday_task(ctx_a, r1.id, c1.id)
    args = ("tasks", "today", "--brand", "A", "--rep", "R1", "--now", NOW)

    english = run_cli("--locale", "en", *args)
    assert english.exit_code == 0, english.output
    [row] = _rows(english.stdout)
    assert (row["kind"], row["overdue"], row["title"]) == (
        "Birthday", "Yes", "Birthday greetings: the birthday is on 2026-03-05")

    chinese = run_cli("--locale", "zh_Hans_CN", *args)
    [row] = _rows(chinese.stdout)
    assert (row["kind"], row["overdue"], row["title"]) == (
        "生日", "是", "生日祝福：生日在 2026-03-05")

    traditional = run_cli("--locale", "zh_Hant_TW", *args)
    [row] = _rows(traditional.stdout)
    assert (row["kind"], row["overdue"], row["title"]) == (
        "生日", "是", "生日祝福：生日在 2026-03-05")

    [coded] = json.loads(run_cli("--locale", "zh_Hans_CN", *args, "--format", "json").stdout)
    assert (coded["kind"], coded["overdue"]) == ("birthday", True)


def test_segments_name_the_scheme_and_explain_each_value(ctx_a, run_cli):
    customer(ctx_a, "C1")  # never bought: A in the value grid
    args = ("segments", "--brand", "A", "--scheme", "grid", "--as-of", "2026-03-01")

    chinese = run_cli("--locale", "zh_Hans_CN", *args)
    assert chinese.exit_code == 0, chinese.output
    assert chinese.stdout.splitlines() == ["customer_ref,segment", "C1,A：从未购买"]
    assert chinese.stderr.splitlines() == [
        "价值网格（A–E）: A：从未购买；B：客单价低且购买少；C：客单价高但购买少；"
        "D：客单价低但购买频繁；E：客单价高且购买频繁。"]

    english = run_cli("--locale", "en", *args)
    assert english.stdout.splitlines() == ["customer_ref,segment", "C1,A: never bought"]
    assert english.stderr.startswith("Value grid (A–E): A: never bought; B: small")

    coded = run_cli("--locale", "en", *args, "--format", "json")
    assert json.loads(coded.stdout) == [{"customer_ref": "C1", "segment": "A"}]
    assert coded.stderr == ""  # JSON is for scripts: nothing beside it


def test_at_risk_flags_and_figures_by_their_labels(ctx_a, run_cli):
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1")
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00"})
    # ordered 212 days before 1 March, never contacted: no order in 90 days, no contact in 30
    order(ctx_a, "O1", "C1", "2025-08-01T10:00:00", [("P1", 1, "100.00")])
    args = ("customers", "at-risk", "--brand", "A", "--as-of", "2026-03-01")
    chinese = run_cli("--locale", "zh_Hans_CN", *args)
    assert chinese.exit_code == 0, chinese.output
    assert [r["flags"] for r in _rows(chinese.stdout)] == ["近期未下单和近期未联系"]
    english = run_cli("--locale", "en", *args)
    assert [r["flags"] for r in _rows(english.stdout)] == [
        "No recent order and No recent contact"]
    [coded] = json.loads(run_cli(*args, "--format", "json").stdout)
    assert coded["flags"] == "no_order no_contact"

    figures = run_cli("--locale", "zh_Hans_CN", "figures", "--brand", "A",
                      "--as-of", "2026-03-01")
    assert figures.exit_code == 0, figures.output
    names = [r["figure"] for r in _rows(figures.stdout)]
    assert names[:6] == ["直销员", "首日", "末日", "订单", "购买客户数", "销售额"]
    assert "复购率（%）" in names and "跟进及时率（%）" in names
    coded = json.loads(run_cli("figures", "--brand", "A", "--as-of", "2026-03-01",
                               "--format", "json").stdout)
    assert "repurchase_rate" in coded and "follow_up_timeliness" in coded


def test_tasks_generate_names_each_rule(ctx_a, run_cli):
    rep(ctx_a, "R1")
    result = run_cli("--locale", "zh_Hans_CN", "tasks", "generate", "--brand", "A",
                     "--now", NOW)
    assert result.exit_code == 0, result.output
    names = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert names == ["完善新客户资料", "48 小时内回访", "A 类客户月度联系", "生日", "补货",
                     "证书续期"]


def test_audit_export_readable_has_the_screens_labels(ctx_a, run_cli, tmp_path):
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1")
    out = tmp_path / "audit.csv"
    result = run_cli("--locale", "zh_Hans_CN", "audit", "export", "--brand", "A",
                     "--record-type", "customers", "--readable", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header, [row] = rows[0], rows[1:]
    assert header[6] == "变更内容" and row[3] == "新建" and row[4] == "客户"
    assert "客户编号: C1" in row[6].splitlines() and "阶段: 潜在客户" in row[6].splitlines()
    raw = tmp_path / "raw.csv"  # without --readable: the entry as stored (the evidence)
    run_cli("audit", "export", "--brand", "A", "--record-type", "customers", "--out", str(raw))
    [stored] = list(csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8"))))
    assert stored["action"] == "create" and '"lifecycle_stage"' in stored["changes"]
