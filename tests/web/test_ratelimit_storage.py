"""Flask-Limiter's counters in the database (core.web.ratelimit): one count for every
worker process, on SQLite and PostgreSQL (production operations issue #17)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.runtime import Runtime
from core.web.ratelimit import DatabaseStorage, storage_config


def test_counts_and_expires(rt: Runtime) -> None:
    storage = storage_from_string("database://", engine=rt.engine)
    assert isinstance(storage, DatabaseStorage) and storage.check()
    assert storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5 and storage.get("k") == 5
    assert time.time() + 55 < storage.get_expiry("k") <= time.time() + 60
    assert storage.incr("other", 60) == 1  # keys are separate
    storage.clear("k")
    assert storage.get("k") == 0 and storage.get("other") == 1
    # A window of 1 s: after it, the count starts again from the new amount.
    assert storage.incr("short", 1) == 1 and storage.incr("short", 1) == 2
    time.sleep(1.2)
    assert storage.get("short") == 0
    assert storage.incr("short", 1) == 1
    assert storage.reset() == 2  # "other" and "short"
    assert storage.get("other") == 0


def test_a_limit_holds_under_concurrent_hits(rt: Runtime) -> None:
    # Two storages on one database stand for two worker processes: 40 hits at once
    # against "10 per minute" let exactly 10 through.
    limiter_a = FixedWindowRateLimiter(storage_from_string("database://", engine=rt.engine))
    limiter_b = FixedWindowRateLimiter(storage_from_string("database://", engine=rt.engine))
    limit = parse("10/minute")
    with ThreadPoolExecutor(4) as pool:
        allowed = list(pool.map(lambda i: (limiter_a if i % 2 else limiter_b).hit(limit, "ip"),
                                range(40)))
    assert allowed.count(True) == 10
    assert limiter_a.get_window_stats(limit, "ip").remaining == 0


def test_redis_when_configured(rt: Runtime) -> None:
    assert storage_config(rt.engine, None) == {
        "RATELIMIT_STORAGE_URI": "database://",
        "RATELIMIT_STORAGE_OPTIONS": {"engine": rt.engine}}
    assert storage_config(rt.engine, "redis://cache:6379") == {
        "RATELIMIT_STORAGE_URI": "redis://cache:6379", "RATELIMIT_STORAGE_OPTIONS": {}}
