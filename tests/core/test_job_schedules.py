"""Job schedules: ``tick`` runs each due job once per slot, also when two ticks run at the
same time; ``--all`` forces; ``jobs list`` shows schedules and last runs ("one contract")."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections import Counter

import pytest

from core import scheduler
from core.events import ScheduledJob
from core.hookspecs import hookimpl
from core.plugins import ModuleRegistry, manifest_from_dict
from core.schedules import parse_schedule
from core.services.modules import enable_modules
from tests.core.tasks_helpers import run_cli_fixture  # noqa: F401  (fixture)

SHANGHAI = "Asia/Shanghai"


class Counted:
    """A module with a daily, an hourly and a failing-once job, counting runs."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.fail_next = True

    @hookimpl
    def crm_scheduled_jobs(self, ctx):
        def job(name):
            def run(ctx):
                with self.lock:
                    self.calls[name] += 1
                if name == "flaky" and self.fail_next:
                    self.fail_next = False
                    raise RuntimeError("first try fails")
                return f"{name} ran"
            return run

        return [ScheduledJob("nightly", job("nightly"), schedule="daily 03:00"),
                ScheduledJob("hourly", job("hourly"), schedule="hourly"),
                ScheduledJob("flaky", job("flaky"), schedule="daily 03:00")]


@pytest.fixture()
def counted(make_ctx, brands, monkeypatch):
    mod = Counted()
    reg = ModuleRegistry()
    reg.register_all([(manifest_from_dict({"name": "counted", "version": "1"}), mod)])
    monkeypatch.setattr(scheduler, "_core_jobs", {})
    monkeypatch.setattr(scheduler, "BUILTIN_JOBS", ())

    def make(code):
        ctx = make_ctx(code)
        ctx.registry = reg
        return ctx

    enable_modules(make("A"), ["counted"])
    return mod, make


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "now", "slot"), [
    ("daily 02:00", utc(2026, 3, 1, 17, 59), "2026-03-01"),  # 01:59 on 2 March local
    ("daily 02:00", utc(2026, 3, 1, 18, 0), "2026-03-02"),   # 02:00 on 2 March local
    ("hourly", utc(2026, 3, 1, 18, 30), "2026-03-02T02"),
    ("every 15 minutes", utc(1970, 1, 1, 0, 44), "every15:2"),
])
def test_slots_in_local_time(text, now, slot):
    from zoneinfo import ZoneInfo

    assert parse_schedule(text).slot(now, ZoneInfo(SHANGHAI)) == slot


@pytest.mark.parametrize("text", ["daily 25:00", "weekly", "every 0 minutes", "hourly!"])
def test_bad_schedules_are_refused(text):
    with pytest.raises(ValueError):
        parse_schedule(text)


def test_each_due_job_runs_once_per_slot_and_a_failure_is_retried(counted):
    mod, make = counted
    night = utc(2026, 3, 1, 19, 30)  # 03:30 on 2 March local
    runs = scheduler.tick(make, ["A"], night)
    assert [(r.job, r.error) for r in runs] == [
        ("nightly", None), ("hourly", None), ("flaky", "RuntimeError: first try fails")]
    # Ten minutes later: nothing is due but the failed job.
    again = scheduler.tick(make, ["A"], night + dt.timedelta(minutes=10))
    assert [(r.job, r.error) for r in again] == [("flaky", None)]
    # An hour later the hourly job is due again; the next night, everything.
    assert [r.job for r in scheduler.tick(make, ["A"], night + dt.timedelta(hours=1))] == [
        "hourly"]
    assert [r.job for r in scheduler.tick(make, ["A"], night + dt.timedelta(days=1))] == [
        "nightly", "hourly", "flaky"]
    assert mod.calls == {"nightly": 2, "hourly": 3, "flaky": 3}
    # --all forces every job, due or not.
    forced = scheduler.tick(make, ["A"], night + dt.timedelta(days=1), force=True)
    assert [r.job for r in forced] == ["nightly", "hourly", "flaky"]


def test_two_ticks_at_the_same_time_run_each_job_once(counted):
    mod, make = counted
    mod.fail_next = False
    night = utc(2026, 3, 1, 19, 30)
    results: list[list[scheduler.JobRun]] = []
    barrier = threading.Barrier(2)

    def one_tick():
        barrier.wait()
        results.append(scheduler.tick(make, ["A"], night))

    threads = [threading.Thread(target=one_tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert mod.calls == {"nightly": 1, "hourly": 1, "flaky": 1}
    assert sorted(r.job for runs in results for r in runs) == ["flaky", "hourly", "nightly"]


def test_jobs_list_shows_schedules_and_last_runs(counted, rt, run_cli):  # noqa: F811
    mod, make = counted
    from core.cli import common

    scheduler.tick(make, ["A"], utc(2026, 3, 1, 19, 30))
    common._runtime.registry = make("A").registry  # the CLI sees the test module
    out = run_cli("jobs", "list", "--brand", "A", "--now", "2026-03-01T19:40:00Z")
    assert out.exit_code == 0, out.output
    rows = {r["job"]: r for r in csv.DictReader(io.StringIO(out.output))}
    # the table shows yes/no and the run's status by their labels (codes in JSON)
    assert rows["nightly"]["schedule"] == "daily 03:00" and rows["nightly"]["due"] == "No"
    assert rows["nightly"]["last_status"] == "Succeeded"
    assert rows["nightly"]["last_message"] == "nightly ran"
    assert rows["flaky"]["last_status"] == "Failed" and rows["flaky"]["due"] == "Yes"
    assert rows["flaky"]["last_message"] == "RuntimeError: first try fails"
