"""``directcrm worker``: a long-running process that runs the brand jobs as they fall due.

Each pass is a ``tick`` (``core.scheduler.tick``): every job of every brand whose schedule
slot no run has claimed yet. The claim is a row in ``job_runs`` inserted with
``ON CONFLICT DO NOTHING`` and committed before the job starts: that row is the lock, so
two workers (or a worker and a cron ``tick``) started together run each due job once.
SIGTERM and SIGINT let the job in progress finish, start no other, and exit 0.

With a :class:`~core.jobqueue.runner.QueueRunner` the worker also runs the one-off jobs
of the queue (``queued_jobs``), polling every ``poll`` seconds between two ticks.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType

from core.context import Ctx
from core.jobqueue.runner import QueueRunner
from core.scheduler import JobRun, tick

#: Seconds between two passes (the finest schedule is "every 1 minute").
DEFAULT_INTERVAL = 30


class Worker:
    """Runs :func:`core.scheduler.tick` every ``interval`` seconds until stopped."""

    def __init__(self, make_ctx: Callable[[str | None], Ctx],
                 brand_codes: Iterable[str] | None = None,
                 interval: float = DEFAULT_INTERVAL,
                 report: Callable[[JobRun], None] | None = None,
                 queue: QueueRunner | None = None, poll: float = 1.0,
                 schedule: bool = True, parent_pid: int | None = None) -> None:
        self.make_ctx = make_ctx
        self.queue = queue
        self.poll = poll
        self.schedule = schedule
        self.parent_pid = parent_pid
        self.brand_codes = list(brand_codes) if brand_codes else None
        self.interval = interval
        self.report = report or (lambda run: None)
        self.stopping = threading.Event()

    def stop(self, *_: object) -> None:
        """Ask the worker to stop after the job in progress (a signal handler too)."""
        self.stopping.set()

    def run_once(self, now: dt.datetime | None = None) -> list[JobRun]:
        """One pass: the queued jobs that are due, then the scheduled jobs that are due
        now; returns the scheduled runs."""
        if self.queue is not None:
            self.queue.run_pending(stop=self.stopping.is_set)
        if not self.schedule:
            return []
        runs = tick(self.make_ctx, self.brand_codes, now, stop=self.stopping.is_set)
        for run in runs:
            self.report(run)
        return runs

    def run_forever(self) -> None:
        """Pass after pass until :meth:`stop` (SIGTERM, SIGINT)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        next_tick = 0.0
        while not self.stopping.is_set():
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                break  # the server that started this worker is gone
            if self.queue is not None:
                self.queue.run_pending(stop=self.stopping.is_set)
            if self.schedule and time.monotonic() >= next_tick:
                for run in tick(self.make_ctx, self.brand_codes, None,
                                stop=self.stopping.is_set):
                    self.report(run)
                next_tick = time.monotonic() + self.interval
            self.stopping.wait(self.poll if self.queue is not None else self.interval)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop()
