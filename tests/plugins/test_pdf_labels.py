"""Every PDF the product writes, in each language, on a demo brand: the compliance report,
the monthly filing pack and a data-subject archive's readable copy show labels, never a
raw code from the list every label check shares (``tests/raw_codes.py``), and no English
on a Chinese page (issue 18)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from core.context import Ctx
from core.demo import build_demo
from core.models import Customer, Order
from plugins.compliance.report.generate import generate_compliance_report, generate_filing_pack
from plugins.kyc.archive import write_archive
from tests.raw_codes import problems_in

LANGUAGES = ("en", "zh_Hans_CN", "zh_Hant_TW")
# A command a reader is told to run is typed as it is, in any language; refs and codes in
# capitals (SO000001, DEMO-C00030-VOUCHER-50, a reward's code) are data, as on the pages
# (where they are set in monospace).
COMMAND = re.compile(r"directcrm(?: [a-z][\w-]*)+")
REF = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def _last_month(ctx: Ctx) -> str:
    today = ctx.now().astimezone(ctx.tz).date()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def _busiest_customer(ctx: Ctx) -> int:
    """The demo customer with the most orders (orders, payments, tasks, consents...)."""
    from sqlalchemy import func

    return ctx.session.scalar(
        select(Customer.id).join(Order, Order.customer_id == Customer.id)
        .where(Customer.brand_id == ctx.brand_id).group_by(Customer.id)
        .order_by(func.count(Order.id).desc(), Customer.id).limit(1))


def test_every_pdf_in_every_language_shows_labels(make_ctx: Callable[..., Ctx], tmp_path):
    build_demo(lambda code: make_ctx(code, user="system"), customers=40)
    reader = make_ctx("DEMO", user="compliance")  # a demo login: its name is data
    period, customer_id = _last_month(reader), _busiest_customer(reader)
    problems = []
    for locale in LANGUAGES:
        pdfs = {}
        for name, generate in (("report", generate_compliance_report),
                               ("filing", generate_filing_pack)):
            pdfs[name] = tmp_path / f"{name}-{locale}.pdf"
            generate(make_ctx("DEMO", user="compliance"), period, pdfs[name], locale=locale)
        ctx = make_ctx("DEMO", user="compliance")
        ctx.locale = locale
        archive = write_archive(ctx, customer_id, tmp_path / locale, "copy")
        with zipfile.ZipFile(archive) as zf:
            pdfs["archive"] = tmp_path / f"archive-{locale}.pdf"
            pdfs["archive"].write_bytes(zf.read("copy.pdf"))
            data = zf.read("data.json").decode("utf-8")
        assert '"paid"' in data  # the machine-readable copy keeps the codes
        for name, pdf in pdfs.items():
            text = REF.sub("", COMMAND.sub("", text_of(pdf)))
            assert len(text) > 500, (name, locale)
            problems += [f"{name} / {locale}: {p}" for p in problems_in(text, locale)]
    assert not problems, "\n".join(problems)
