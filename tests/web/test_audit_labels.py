"""The audit log as people read it, on a demo brand: every entry's fields labelled, its old
and new values named (no raw code, no English on a Chinese page), on the screen and in
the CSV export alike (the browser walk reads the screen's first page; this reads all)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from core.audit import present
from core.audit import services as audit
from core.context import Ctx
from core.demo import build_demo
from core.i18n import use_locale
from core.web.views.audit import csv_stream
from tests.raw_codes import problems_in


@pytest.fixture()
def demo(make_ctx: Callable[..., Ctx]) -> Callable[[str], Ctx]:
    """A small demo brand (every module, a year of history); a reader's context."""
    build_demo(lambda code: make_ctx(code, user="system"), customers=40)

    def reader(locale: str) -> Ctx:
        ctx = make_ctx("DEMO")
        ctx.locale = locale
        return ctx

    return reader


def _readable_text(shown: present.Shown) -> str:
    """What the screen shows of an entry, without refs and file names (data, in
    monospace on the screen)."""
    parts = [shown.kind, shown.action, shown.actor]
    if shown.record is not None:
        parts.append(shown.record.text)
    for change in shown.changes:
        parts.append(change.label)
        if not change.ref:
            parts += [change.old or "", change.new or ""]
    for key, value in shown.details:
        parts.append(key)
        if not value.endswith(".csv"):
            parts.append(value)
    return "\n".join(parts)


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "zh_Hant_TW", "en"])
def test_every_demo_entry_reads_in_the_language(demo, locale):
    ctx = demo(locale)
    entries = list(audit.iter_entries(ctx, None))
    assert len(entries) > 100
    presenter = present.Presenter(ctx, locale=locale)
    problems = []
    for shown in presenter.show_all(entries):
        found = problems_in(_readable_text(shown), locale)
        if found:
            problems.append(f"#{shown.entry.id} {shown.entry.record_type} "
                            f"{shown.entry.action}: {found}")
    assert not problems, "\n".join(problems)


def test_the_csv_export_has_the_screens_labels(demo):
    ctx = demo("zh_Hans_CN")
    with use_locale("zh_Hans_CN"):  # the request's language
        text = "".join(csv_stream(ctx, audit.AuditFilter(record_type="complaints_tickets")))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    changes = [row[header.index("变更内容")] for row in body]
    assert len(changes) > 5
    joined = "\n".join(changes)
    assert problems_in(joined, "zh_Hans_CN") == []
    # a ticket moving on: its status labelled, old → new (new → responded, demo data)
    assert "状态: 新建 → 已响应" in joined, joined
    # who opened it: the system, by its name in the reader's language
    assert "创建人: 系统" in joined, joined


def test_a_setting_change_names_the_setting(demo):
    ctx = demo("zh_Hans_CN")
    entries = list(audit.iter_entries(ctx, audit.AuditFilter(action="setting_changed")))
    assert entries
    [shown] = present.Presenter(ctx, locale="zh_Hans_CN").show_all(entries[:1])
    setting = shown.entry.record_id
    assert shown.record is not None and shown.record.text != setting
    assert [c.label for c in shown.changes] == [shown.record.text]
