"""Automatic order numbers from a brand pattern (setting ``orders.number_pattern``).

A pattern is text with placeholders for the order's local date and a counter:
``{yyyy}`` ``{yy}`` ``{mm}`` ``{dd}`` and exactly one ``{seq}`` or ``{seq:0N}`` (zero-padded
to N digits, 1 ≤ N ≤ 12). The default ``SO{yyyy}{mm}-{seq:05}`` gives ``SO202603-00001``,
``SO202603-00002``… and starts again at 1 each month, because the counter counts within
the number's fixed part (everything but the counter).

The next number is the highest existing number of that fixed part plus one, read under a
transaction-scoped PostgreSQL advisory lock per brand (SQLite's ``BEGIN IMMEDIATE``
already serialises writers), so two orders created at the same moment get different
numbers; the unique key (brand, order_ref) stays the last guard.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from core.context import Ctx
from core.i18n import _
from core.models import Order
from core.settings import SettingError

NUMBER_LOCK = 0x4F52440000  # "ORD": the advisory lock namespace of order numbering
_TOKEN = re.compile(r"\{(yyyy|yy|mm|dd|seq(?::0(\d{1,2}))?)\}")


def check_pattern(pattern: str) -> None:
    """Raise :class:`SettingError` unless ``pattern`` is a usable order-number pattern."""
    tokens = list(_TOKEN.finditer(pattern))
    seqs = [t for t in tokens if t.group(1).startswith("seq")]
    if len(seqs) != 1:
        raise SettingError(_("Put exactly one {seq} (or {seq:05}) in the pattern."))
    width = int(seqs[0].group(2) or 1)
    if not 1 <= width <= 12:
        raise SettingError(_("The {seq} width must be between 1 and 12 digits."))
    rest = _TOKEN.sub("", pattern)
    if "{" in rest or "}" in rest:
        raise SettingError(_("Unknown placeholder: use {yyyy}, {yy}, {mm}, {dd} and {seq}."))
    if len(render(pattern, dt.date(2026, 12, 31), 10 ** width - 1)) > 64:
        raise SettingError(_("Numbers made from this pattern would be longer than 64 "
                             "characters."))


def _parts(pattern: str, day: dt.date) -> tuple[str, str, int]:
    """(text before the counter, text after it, counter width) for ``day``."""
    dates = {"yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}",
             "mm": f"{day.month:02d}", "dd": f"{day.day:02d}"}
    before, after, width, seen = [], [], 1, False
    pos = 0
    for m in _TOKEN.finditer(pattern):
        text = pattern[pos:m.start()]
        (after if seen else before).append(text)
        if m.group(1).startswith("seq"):
            seen, width = True, int(m.group(2) or 1)
        else:
            (after if seen else before).append(dates[m.group(1)])
        pos = m.end()
    (after if seen else before).append(pattern[pos:])
    return "".join(before), "".join(after), width


def render(pattern: str, day: dt.date, seq: int) -> str:
    """The number of counter value ``seq`` on local day ``day``."""
    before, after, width = _parts(pattern, day)
    return f"{before}{seq:0{width}d}{after}"


def next_order_ref(ctx: Ctx, pattern: str, ordered_at: dt.datetime) -> str:
    """The brand's next order number for an order placed at ``ordered_at``. Call inside
    the write transaction that inserts the order."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(select(func.pg_advisory_xact_lock(NUMBER_LOCK + ctx.brand_id)))
    day = ordered_at.astimezone(ctx.tz).date()
    before, after, width = _parts(pattern, day)
    like = (before.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            + after.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    # Counters are digits: the longest, then the highest, of the matching refs is the
    # biggest counter (a few hand-typed refs with letters in the middle are skipped).
    refs = ctx.session.scalars(
        select(Order.order_ref).where(Order.brand_id == ctx.brand_id,
                                      Order.order_ref.like(like, escape="\\"),
                                      func.length(Order.order_ref)
                                      >= len(before) + width + len(after))
        .order_by(func.length(Order.order_ref).desc(), Order.order_ref.desc()).limit(100))
    highest = 0
    for ref in refs:
        middle = ref[len(before):len(ref) - len(after)]
        if middle.isdigit():
            highest = int(middle)
            break
    return render(pattern, day, highest + 1)
