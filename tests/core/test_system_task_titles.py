"""Every task a rule, a job or a module writes is recognised as a stored text, so pages,
exports, PDFs and CLI tables show its title in the reader's language, and its kind has a
label (issue 18). Checked on the demo, whose brand writes Simplified Chinese."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from core.context import Ctx
from core.demo import build_demo
from core.i18n import use_locale
from core.labels import label, stored_text
from core.models import Task
from core.tasks.rules import run_task_rules


def test_every_system_task_reads_in_each_language(make_ctx: Callable[..., Ctx]):
    build_demo(lambda code: make_ctx(code, user="system"), customers=40)
    ctx = make_ctx("DEMO")
    run_task_rules(ctx)  # today's rule tasks as well as the demo's history
    ctx.session.rollback()
    rows = ctx.session.execute(select(Task.kind, Task.title).where(
        Task.brand_id == ctx.brand_id, Task.rule_key.is_not(None))).all()
    kinds = {kind for kind, _title in rows}
    assert len(rows) > 50 and {"followup", "reactivation"} <= kinds, kinds
    not_recognised, unlabelled = set(), set()
    for kind, title in rows:
        with use_locale("en"):
            english = stored_text(title)
            if english == title:  # written in Chinese by the brand: English differs
                not_recognised.add(title)
            if label("task_kind", kind) == kind:
                unlabelled.add(kind)
        with use_locale("zh_Hans_CN"):
            assert stored_text(title) == title  # the brand's own language, as written
    assert not not_recognised, sorted(not_recognised)[:10]
    assert not unlabelled, unlabelled
    # and in Traditional Chinese, one of them worked out by hand
    with use_locale("zh_Hant_TW"):
        assert stored_text("挽回流失客户：致电询问原因") == "挽回流失客戶：致電詢問原因"
