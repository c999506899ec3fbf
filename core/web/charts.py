"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, prints fine.

Each function returns a ``Markup`` string of an ``<svg>`` that scales to its container.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

PALETTE = ("#2563eb", "#0ea5a4", "#f59e0b", "#8b5cf6", "#ef4444", "#10b981", "#64748b")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def text_width(text: str, size: float) -> float:
    """A generous estimate of the drawn width of ``text`` at font ``size`` px: wide
    characters (CJK, full-width) count as one em, others as 0.62 em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.62 for ch in text)


def bar_chart(labels: Sequence[str], values: Sequence[Decimal | int | float],
              fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", color: str = PALETTE[0],
              title: str = "", width: int = 560, height: int = 220) -> Markup:
    """Vertical bars with a light grid, the axis maximum and every other label."""
    nums = [float(v) for v in values]
    top = _nice_max(max(nums, default=0))
    if all(float(v).is_integer() for v in values) and top % 4:
        top = float(-(-int(top) // 4) * 4)  # counts: whole numbers on every grid line
    ticks = [fmt(top * (4 - i) / 4) for i in range(5)]
    # The axis labels decide the left margin, so "CN¥62,500" is never clipped.
    left = max(56, int(max(text_width(t, 11) for t in ticks)) + 14)
    bottom, right, head = 28, 8, 12
    plot_w, plot_h = width - left - right, height - bottom - head
    n = max(1, len(nums))
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.62)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for i in range(5):
        y = head + plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f'{escape(ticks[i])}</text>')
    for i, (label, v) in enumerate(zip(labels, nums, strict=True)):
        h = plot_h * v / top if top else 0
        x = left + slot * i + (slot - bar_w) / 2
        y = head + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'rx="3" fill="{color}"><title>{escape(label)}: {escape(fmt(v))}</title>'
                     f'</rect>')
        if n <= 12 or i % 2 == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 8}" class="axis" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(items: Sequence[tuple[str, int | float]], title: str = "", width: int = 560,
               row: int = 30) -> Markup:
    """Horizontal bars, one per labelled count, each in its own colour."""
    if not items:
        items = []
    top = max((float(v) for _, v in items), default=0) or 1.0
    label_w = int(min(width / 2, max([150.0] + [text_width(k, 12.5) + 18 for k, _ in items])))
    right = 56
    height = max(row, row * len(items)) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, v) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - right) * float(v) / top
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<text x="{label_w - 10}" y="{y + row / 2 + 4:.1f}" class="label" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1.5):.1f}" '
                     f'height="{row - 10}" rx="3" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
                     f'class="value">{escape(f"{v:,}")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
