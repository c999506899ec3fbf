"""``tick``: core jobs and enabled modules' jobs, per brand, idempotent, failures reported."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from core import scheduler
from core.events import ScheduledJob
from core.hookspecs import hookimpl
from core.plugins import ModuleRegistry, manifest_from_dict
from core.services.activities import create_task, list_tasks
from core.services.modules import enable_modules


class Reminders:
    """A module whose job creates one task per day (idempotent by rule key)."""

    @hookimpl
    def crm_scheduled_jobs(self, ctx):
        def run(ctx):
            day = ctx.local_today().isoformat()
            create_task(ctx, {"title": f"daily {day}", "due_at": ctx.now().isoformat()},
                        rule_key=f"daily:{day}")
            return scheduler.JobResult(message=f"checked {day}", counts={"tasks": 1})

        def broken(ctx):
            raise RuntimeError("boom")

        return [ScheduledJob(name="daily", run=run), ScheduledJob(name="broken", run=broken)]


def test_tick_runs_core_and_enabled_module_jobs(make_ctx, brands, rt, monkeypatch):
    reg = ModuleRegistry()
    reg.register_all([(manifest_from_dict({"name": "reminders", "version": "1"}),
                       Reminders())])
    seen = []
    monkeypatch.setattr(scheduler, "_core_jobs", {})
    scheduler.register_core_job(ScheduledJob(
        name="noop", run=lambda ctx: seen.append((ctx.brand.code, ctx.now())) or "nothing"))

    def make(code):
        ctx = make_ctx(code)
        ctx.registry = reg
        return ctx

    enable_modules(make("A"), ["reminders"])
    now = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)  # 3 March 04:00 in Shanghai
    runs = scheduler.tick(make, None, now)
    assert [(r.brand, r.module, r.job) for r in runs] == [
        ("A", "core", "segments"), ("A", "core", "churned"),
        ("A", "core", "task_rules"), ("A", "core", "lead_pool"), ("A", "core", "noop"),
        ("A", "reminders", "daily"), ("A", "reminders", "broken"),
        ("B", "core", "segments"), ("B", "core", "churned"),
        ("B", "core", "task_rules"), ("B", "core", "lead_pool"), ("B", "core", "noop")]
    assert seen == [("A", now), ("B", now)]
    assert runs[0].message == "0 segment changes"  # no customers
    assert runs[1].message == "0 customers churned, 0 back"
    assert runs[2].message == "0 tasks created"  # no customers: nothing to follow up
    assert runs[3].message == "0 leads dropped to the pool, 0 reassigned"
    assert runs[5].message == "checked 2026-03-03" and runs[5].counts == {"tasks": 1}
    assert runs[6].error == "RuntimeError: boom"
    assert runs[4].message == "nothing"
    # a second tick at the same time creates nothing new
    scheduler.tick(make, ["A"], now)
    assert [t.title for t in list_tasks(make("A"))] == ["daily 2026-03-03"]
    assert list_tasks(make("B")) == []


def test_tick_command(rt, brands, monkeypatch):
    from core.cli import cli, common

    monkeypatch.setattr(common, "_runtime", rt)
    monkeypatch.setattr(scheduler, "_core_jobs", {})
    scheduler.register_core_job(ScheduledJob(name="noop", run=lambda ctx: ctx.now().isoformat()))
    result = CliRunner().invoke(cli, ["tick", "--brand", "B", "--now", "2026-05-01T08:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "B core/segments: 0 segment changes",
        "B core/churned: 0 customers churned, 0 back",
        "B core/task_rules: 0 tasks created",
        "B core/lead_pool: 0 leads dropped to the pool, 0 reassigned",
        "B core/noop: 2026-05-01T00:00:00+00:00"]
    result = CliRunner().invoke(cli, ["tick", "--now", "soon"])
    assert result.exit_code == 2
