"""The PDFs, checked with poppler: Chinese headings extractable, CJK font embedded,
"page X of Y" across chunks, the register and re-verification."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from core.errors import NotFound
from core.services.products import create_product
from plugins.compliance.report.generate import generate_compliance_report, generate_filing_pack
from plugins.compliance.services import list_reports, verify_report


def text_of(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def fonts_of(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    return [line.split() for line in out]


def add_bad_products(ctx, n: int) -> None:
    """Products outside the six categories; DS10 is switched to warn for the time it takes
    (in block mode their creation is refused), then back to block for the report."""
    from plugins.compliance.services import set_mode

    set_mode(ctx, "DS10", "warn")
    for i in range(n):
        create_product(ctx, {"sku": f"TOY{i:02d}", "name": f"玩具 {i}", "category": "toys",
                             "list_price": "10.00"})
    set_mode(ctx, "DS10", "block")


def test_chinese_report_has_headings_and_embedded_cjk_font(clean_a, tmp_path):
    add_bad_products(clean_a, 1)
    out = tmp_path / "r.pdf"
    record = generate_compliance_report(clean_a, "2026-02", out, locale="zh_Hans_CN")
    text = text_of(out)
    for heading in ("合规报告", "摘要", "DS10 · 仅限六类直销产品", "相关记录", "审核签字"):
        assert heading in text, heading
    assert "华美" not in text and "Brand A" in text  # brand name on the cover and header
    assert "不合规" in text and "TOY00" in text
    cjk = [f for f in fonts_of(out) if "CJK" in f[0]]
    assert cjk and all(f[-5] == "yes" for f in cjk)  # the "emb" column
    assert any("Noto-Sans-CJK-SC" in f[0] for f in cjk)
    pages = len(PdfReader(out).pages)
    assert record.pages == pages
    for k in range(1, pages + 1):
        assert f"第 {k} 页，共 {pages} 页" in text_of(out, k)


def test_traditional_chinese_report_for_a_tw_brand(clean_b, tmp_path):
    out = tmp_path / "tw.pdf"
    generate_compliance_report(clean_b, "2026-02", out)  # brand B's default: zh_Hant_TW
    text = text_of(out)
    assert "合規報告" in text and "摘要" in text and "第 1 頁，共" in text
    assert any("Noto-Sans-CJK-TC" in f[0] for f in fonts_of(out))


def test_long_sections_render_in_chunks_with_continuous_page_numbers(clean_a, tmp_path):
    add_bad_products(clean_a, 60)
    out = tmp_path / "long.pdf"
    ticks = []

    class Progress:
        def start(self, total): ticks.append(("start", total))

        def update(self, n): ticks.append(("update", n))

    record = generate_compliance_report(clean_a, "2026-02", out, locale="en",
                                        progress=Progress(), row_budget=20)
    pages = len(PdfReader(out).pages)
    # 60 rows in blocks of ≤ 20 rows → at least 3 chunks plus the cover chunk.
    assert sum(1 for t in ticks if t[0] == "update") >= 4
    assert record.pages == pages and pages >= 4
    text = text_of(out)
    assert "(continued)" in text
    numbers = [re.search(r"Page (\d+) of (\d+)", text_of(out, k)).groups()
               for k in range(1, pages + 1)]
    assert numbers == [(str(k), str(pages)) for k in range(1, pages + 1)]
    skus = re.findall(r"TOY\d\d", text)
    assert sorted(set(skus)) == [f"TOY{i:02d}" for i in range(60)]


def test_register_and_verify(clean_a, ctx_b, tmp_path):
    out = tmp_path / "r.pdf"
    record = generate_compliance_report(clean_a, "2026-02", out, locale="en")
    assert verify_report(clean_a, out).id == record.id
    assert [r.id for r in list_reports(clean_a)] == [record.id]
    assert record.generated_by == "tester" and record.parameters["period"] == "2026-02"
    assert record.parameters["statuses"]["DS11"] == "warn"
    tampered = tmp_path / "t.pdf"
    data = bytearray(out.read_bytes())
    data[-10] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(NotFound):
        verify_report(clean_a, tampered)
    from core.services.modules import enable_modules
    enable_modules(ctx_b, ["compliance"])
    with pytest.raises(NotFound):  # another brand's register does not know it
        verify_report(ctx_b, out)


def test_filing_pack(clean_a, tmp_path, results):
    out = tmp_path / "f.pdf"
    generate_filing_pack(clean_a, "2026-02", out, locale="zh_Hans_CN")
    text = text_of(out)
    for heading in ("月度报备资料", "公司数据", "直销员收入明细", "解约直销员"):
        assert heading in text
    # R1: income ¥60.00, tax ¥6.00, own sales ¥200.00, 60/200 = 30.0%.
    line = next(x for x in text.splitlines() if "CERT-R1" in x)
    assert "¥60.00" in line and "¥6.00" in line and "¥200.00" in line and "30.0%" in line
    # Generating the pack is what DS11 looks for.
    assert results(clean_a)["DS11"].status == "pass"


def test_cli_report_and_verify(clean_a, rt, tmp_path, monkeypatch):
    from core.cli import common
    from core.cli.common import cli

    monkeypatch.setattr(common, "_runtime", rt)
    common.load_plugin_commands()
    out = tmp_path / "cli.pdf"
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "compliance", "--brand", "A", "--period", "2026-02",
                                 "--out", str(out), "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert out.exists() and "SHA-256" in result.output
    result = runner.invoke(cli, ["report", "verify", str(out), "--brand", "A"])
    assert result.exit_code == 0 and "Verified" in result.output
    copy = tmp_path / "copy.pdf"
    shutil.copy(out, copy)
    with copy.open("ab") as fh:
        fh.write(b"\n")
    result = runner.invoke(cli, ["report", "verify", str(copy), "--brand", "A"])
    assert result.exit_code == 1 and "not in the report register" in result.output
    result = runner.invoke(cli, ["report", "compliance", "--brand", "A", "--period", "2026-2",
                                 "--out", str(out)])
    assert result.exit_code == 1 and "period" in result.output


def test_same_report_twice_at_the_same_instant(clean_a, tmp_path):
    """Identical bytes (same data, same clock) are registered once, not a crash."""
    a = generate_compliance_report(clean_a, "2026-02", tmp_path / "a.pdf", locale="en")
    b = generate_compliance_report(clean_a, "2026-02", tmp_path / "b.pdf", locale="en")
    assert a.sha256 == b.sha256  # rendering is deterministic
    assert a.id == b.id and len(list_reports(clean_a)) == 1
    assert verify_report(clean_a, tmp_path / "b.pdf").sha256 == b.sha256
