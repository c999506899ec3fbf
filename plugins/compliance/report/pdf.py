"""Chunked WeasyPrint rendering: blocks are packed into chunks of at most ``row_budget``
table rows, each chunk is rendered to its own PDF (WeasyPrint keeps a whole document in
memory, ~9 MiB per page), then pypdf merges them and stamps "page X of Y" from an
overlay rendered once for the final page count, so numbering runs across chunks."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from core.api import _

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROW_BUDGET = 400
# Font stacks are fixed strings (never user data), inserted into the CSS as they are.
FONTS = {"zh_Hant_TW": '"Noto Sans CJK TC", "Noto Sans CJK SC"',
         "zh_Hans_CN": '"Noto Sans CJK SC", "Noto Sans CJK TC"',
         "en": '"Noto Sans CJK SC", "DejaVu Sans"'}
HEADING_FONTS = {"zh_Hant_TW": '"Noto Serif CJK TC", "Noto Sans CJK TC"',
                 "zh_Hans_CN": '"Noto Serif CJK SC", "Noto Sans CJK SC"',
                 "en": '"Noto Serif CJK SC", "DejaVu Serif"'}


@dataclass
class Block:
    """A piece of a document: a template (``blocks/<name>.html``), its data, its rows."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)
    rows: int = 1


@dataclass
class DocMeta:
    """What every page shows: header (brand, title, period) and footer (generated)."""

    locale: str
    title: str
    brand: str
    period: str
    footer: str
    author: str


def css_string(text: str) -> Markup:
    """A CSS string literal (for ``content:``), safe inside a ``<style>`` element."""
    escaped = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
               .replace("<", "\\3C ").replace(">", "\\3E "))
    return Markup(f'"{escaped}"')


def page_counter_css() -> Markup:
    """The translated "Page X of Y" as a CSS ``content`` value using page counters."""
    label = _("Page %(page)s of %(pages)s", page="\x00P\x00", pages="\x00N\x00")
    out = []
    for piece in label.split("\x00"):
        if piece == "P":
            out.append("counter(page)")
        elif piece == "N":
            out.append("counter(pages)")
        elif piece:
            out.append(css_string(piece))
    return Markup(" ".join(out))


def environment(fmt: Callable[[object], str]) -> Environment:
    """The Jinja environment of the report templates, with the value formatter."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    env.filters["css_string"] = css_string
    env.globals["_"] = _
    env.globals["page_counter_css"] = page_counter_css
    env.globals["is_numeric"] = getattr(fmt, "is_numeric", lambda v: False)
    return env


def _chunks(blocks: Iterable[Block], budget: int) -> Iterator[list[Block]]:
    chunk: list[Block] = []
    rows = 0
    for block in blocks:
        if chunk and rows + block.rows > budget:
            yield chunk
            chunk, rows = [], 0
        chunk.append(block)
        rows += block.rows
    if chunk:
        yield chunk


def render(blocks: Iterable[Block], out: Path, meta: DocMeta, env: Environment,
           progress: Callable[[int], None] | None = None, row_budget: int = ROW_BUDGET) -> int:
    """Render ``blocks`` to ``out`` in chunks; returns the number of pages."""
    layout = env.get_template("layout.html")
    fonts = FONTS.get(meta.locale, FONTS["en"])
    heading_fonts = HEADING_FONTS.get(meta.locale, HEADING_FONTS["en"])
    with tempfile.TemporaryDirectory(prefix="directcrm-report-") as tmp:
        parts: list[Path] = []
        for i, chunk in enumerate(_chunks(blocks, row_budget)):
            html = layout.render(meta=meta, blocks=chunk, fonts=fonts,
                                 heading_fonts=heading_fonts, env=env, stamp=False)
            part = Path(tmp) / f"part-{i:05d}.pdf"
            HTML(string=html, base_url=str(TEMPLATES)).write_pdf(part)
            parts.append(part)
            if progress is not None:
                progress(sum(b.rows for b in chunk))
        pages = sum(len(PdfReader(p).pages) for p in parts)
        overlay = Path(tmp) / "overlay.pdf"
        HTML(string=layout.render(meta=meta, blocks=[], fonts=fonts, heading_fonts=heading_fonts,
                                  env=env, stamp=True, pages=pages),
             base_url=str(TEMPLATES)).write_pdf(overlay)
        writer = PdfWriter()
        for part in parts:
            writer.append(str(part))
        stamps = PdfReader(overlay).pages
        for page, stamp in zip(writer.pages, stamps, strict=True):
            page.merge_page(stamp)
        writer.add_metadata({"/Title": f"{meta.title} {meta.period}", "/Author": meta.author,
                             "/Subject": meta.brand, "/Creator": "directcrm"})
        with out.open("wb") as fh:
            writer.write(fh)
    return pages
