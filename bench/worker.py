"""Child-process tasks, so that each measured run has its own peak memory (``ru_maxrss``).

``python -m bench.worker TASK '<json spec>'`` prints one JSON line with ``seconds`` (the
measured work, after imports) and task-specific figures.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

Task = Callable[[dict[str, Any]], dict[str, Any]]
TASKS: dict[str, Task] = {}


def task(fn: Task) -> Task:
    """Register a task under its function name."""
    TASKS[fn.__name__] = fn
    return fn


@task
def import_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Parse the orders CSV with the csv module and insert the same rows with the raw
    driver (sqlite3 ``executemany`` or psycopg ``COPY``)."""
    from bench.rawimport import raw_import

    start = time.perf_counter()
    rows = raw_import(spec["url"], spec["csv"], spec["brand"])
    return {"seconds": time.perf_counter() - start, "rows": rows}


@task
def import_cli(spec: dict[str, Any]) -> dict[str, Any]:
    """``directcrm import orders FILE --brand CODE``, in-process after start-up."""
    import os

    os.environ["DIRECTCRM_DATABASE_URL"] = spec["url"]
    os.environ["DIRECTCRM_INSTANCE_PATH"] = spec["instance"]
    from core.cli import cli
    from core.cli.common import load_plugin_commands, runtime

    load_plugin_commands()
    runtime().engine  # noqa: B018 - connect before the clock starts
    start = time.perf_counter()
    try:
        cli.main(["import", "orders", spec["csv"], "--brand", spec["brand"]],
                 standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    return {"seconds": time.perf_counter() - start}


def main() -> None:
    name, raw = sys.argv[1], sys.argv[2]
    result = TASKS[name](json.loads(raw))
    sys.stdout.flush()
    print("\n" + json.dumps(result))


if __name__ == "__main__":
    main()
