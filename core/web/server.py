"""The production web server: gunicorn, run from ``directcrm serve``.

Each worker builds its own app (and database engine) after the fork; SIGHUP reloads the
workers gracefully, SIGTERM lets requests in flight finish. Settings come from the
environment as for every command (``DIRECTCRM_DATABASE_URL``, ``DIRECTCRM_INSTANCE_PATH``,
``DIRECTCRM_KEYS``...).
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

#: gunicorn's combined log format, then the worker's process id and the time taken (µs).
ACCESS_LOG_FORMAT = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     'pid=%(p)s us=%(D)s')


def default_workers() -> int:
    """Two workers per CPU core, at most 8 (requests mostly wait on the database)."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class DirectcrmServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with the options given in code, loading ``core.web.wsgi:app``."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from core.web.wsgi import app

        return app


def run_gunicorn(host: str, port: int, *, workers: int | None = None,
                 threads: int = 4) -> None:
    """Serve until stopped (SIGTERM or Ctrl+C stops gracefully, SIGHUP reloads)."""
    DirectcrmServer({
        "bind": f"{host}:{port}", "workers": workers or default_workers(),
        "threads": threads, "worker_class": "gthread", "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-", "graceful_timeout": 30, "timeout": 120,
        "preload_app": False,  # each worker opens its own database connections
        "proc_name": "directcrm",
        # gunicorn 23+ opens a control socket at one path per user (~/.gunicorn): two
        # installations on one machine would clash. Signals (HUP, TERM, TTIN/TTOU) suffice.
        "control_socket_disable": True,
    }).run()
