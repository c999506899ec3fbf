"""The data-subject archive: every part as JSON and CSV, and a readable PDF (P5).

One ZIP per request: ``data.json`` (all parts), ``<part>.csv`` (one per part, cells made
spreadsheet-safe) and ``<ref>.pdf`` in the brand's language, rendered by WeasyPrint with
the CJK fonts the system provides (Noto CJK), so Chinese never prints as boxes.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

from core.api import (
    N_,
    Ctx,
    Customer,
    DataPart,
    _,
    get_by_id,
    label,
    personal_data,
    spreadsheet_safe,
    stored_text,
    use_locale,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONTS = {"zh_Hant_TW": '"Noto Sans CJK TC", "Noto Sans CJK SC"',
         "zh_Hans_CN": '"Noto Sans CJK SC", "Noto Sans CJK TC"',
         "en": '"Noto Sans CJK SC", "DejaVu Sans"'}


def _plain(value: Any, tz: Any = None) -> Any:
    """A JSON-able value: ISO times (local in the PDF), Decimals as text, enum values."""
    if isinstance(value, dt.datetime):  # ISO in the data, local and short in the PDF
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if tz else value.isoformat(
            timespec="seconds")
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dict, list)):
        return value if tz is None else json.dumps(value, ensure_ascii=False)
    return value


def _csv(part: DataPart) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(part.columns)
    for row in part.rows:
        writer.writerow(["" if v is None else spreadsheet_safe(
            json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else _plain(v))
            for v in row])
    return out.getvalue()


# Column headings of the readable copy (the JSON and CSV keep the codes).
COLUMN_LABELS = {
    "customer_ref": N_("Customer"), "name": N_("Name"), "phone": N_("Phone"),
    "email": N_("E-mail"), "wechat_id": N_("WeChat"), "birthday": N_("Birthday"),
    "source_channel": N_("Source"), "rep_ref": N_("Rep"), "lifecycle_stage": N_("Stage"),
    "created_at": N_("Created at"), "tag": N_("Tag"), "order_ref": N_("Order"),
    "ordered_at": N_("Ordered at"), "status": N_("Status"), "total_amount": N_("Total"),
    "paid_at": N_("Paid at"), "cancelled_at": N_("Cancelled at"), "channel": N_("Channel"),
    "region": N_("Region"), "line_no": N_("Line"), "sku": N_("SKU"),
    "quantity": N_("Quantity"), "unit_price": N_("Unit price"), "amount": N_("Amount"),
    "method": N_("Method"), "return_ref": N_("Return"), "requested_at": N_("Requested at"),
    "refunded_at": N_("Refunded at"), "reason": N_("Reason"), "occurred_at": N_("Date"),
    "kind": N_("Kind"), "summary": N_("Summary"), "created_by": N_("By"),
    "title": N_("Title"), "due_at": N_("Due at"), "done_at": N_("Done at"),
    "lead_ref": N_("Lead"), "converted_at": N_("Converted at"), "note": N_("Note"),
    "refused_at": N_("Refused at"), "purpose": N_("Purpose"), "at": N_("Date"),
    "actor": N_("By"), "action": N_("Action"), "record_type": N_("Record"),
    "record_id": N_("Record id"), "changes": N_("Changes"), "details": N_("Details"),
    "notice_version": N_("Notice version"), "source": N_("Source"),
    "evidence": N_("Evidence"), "guardian_name": N_("Guardian"), "id_type": N_("Document"),
    "number": N_("Number"), "legal_name": N_("Name on the document"),
    "birth_date": N_("Birth date"), "passed": N_("Passed"), "verified_at": N_("Verified at"),
    "valid_until": N_("Valid until"), "verified_by": N_("Verified by"),
    "request_ref": N_("Request"), "opened_at": N_("Received"), "due_on": N_("Due on"),
    "closed_at": N_("Closed at"), "outcome": N_("Outcome"), "effective_at": N_("Date"),
    "points": N_("Points"), "source_kind": N_("Source"), "source_ref": N_("Reference"),
    "base_amount": N_("Amount"), "expires_at": N_("Expires"),
}


def render_pdf(ctx: Ctx, customer: Customer, parts: list[DataPart], title: str) -> bytes:
    """The readable copy: one table per part, in the context's locale."""
    with use_locale(ctx.locale):
        return _render(ctx, customer, parts, title)


def _render(ctx: Ctx, customer: Customer, parts: list[DataPart], title: str) -> bytes:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["_"] = _
    env.globals["heading"] = lambda c: _(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c
    assert ctx.brand is not None
    html = env.get_template("kyc/archive.html").render(
        title=title, brand=ctx.brand.name, customer_ref=customer.customer_ref,
        generated=ctx.now().astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M"),
        fonts=FONTS.get(ctx.locale, FONTS["en"]), lang=ctx.locale.replace("_", "-"),
        parts=[(p, [_shown_row(p, row, ctx.tz) for row in p.rows]) for p in parts])
    return HTML(string=html).write_pdf()


def _shown_row(part: DataPart, row: tuple[object, ...], tz: Any) -> list[Any]:
    """A row of the readable copy: codes by their labels, times local and short."""
    return [_code(part.codes[column], value) if column in part.codes and value is not None
            else _plain(value, tz) for column, value in zip(part.columns, row, strict=True)]


def _code(family: str, value: object) -> str:
    return stored_text(str(value)) if family == "text" else label(family, value)


def write_archive(ctx: Ctx, customer_id: int, out_dir: Path, name: str) -> Path:
    """Write ``<out_dir>/<name>.zip`` and return its path."""
    customer = get_by_id(ctx, Customer, customer_id)
    with use_locale(ctx.locale):  # the parts' titles, in the brand's language
        parts = personal_data(ctx, customer.id)
    data = {"customer_ref": customer.customer_ref, "brand": ctx.brand.code if ctx.brand
            else None, "generated_at": _plain(ctx.now()),
            "parts": {p.key: {"title": p.title, "columns": list(p.columns),
                              "rows": [[_plain(v) for v in row] for row in p.rows]}
                      for p in parts}}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.zip"
    with use_locale(ctx.locale):
        title = _("Personal data held about %(ref)s", ref=customer.customer_ref)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for part in parts:
            archive.writestr(f"{part.key}.csv", _csv(part))
        archive.writestr(f"{name}.pdf", render_pdf(ctx, customer, parts, title))
    return path
