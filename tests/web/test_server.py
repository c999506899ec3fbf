"""`directcrm serve` runs gunicorn with several workers; /healthz answers for probes;
SIGTERM stops it gracefully (production operations issue, first slice)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask


def test_healthz_checks_the_database(app: Flask) -> None:
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(app: Flask, tmp_path: Path) -> None:
    from core.db import make_engine

    rt = app.extensions["directcrm"]
    live = rt.engine
    # A database that cannot be opened: a file in a folder that does not exist (SQLite),
    # a port nothing listens on (PostgreSQL).
    down = make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}"
                       if live.dialect.name == "sqlite" else
                       live.url.set(host="127.0.0.1", port=1).render_as_string(
                           hide_password=False))
    rt.__dict__["engine"] = down
    try:
        r = app.test_client().get("/healthz")  # no login needed
    finally:
        rt.__dict__["engine"] = live
        down.dispose()
    assert r.status_code == 503
    assert r.json["status"] == "error" and r.json["database"] == "OperationalError"
    assert app.test_client().get("/healthz").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_workers_and_stops_gracefully(tmp_path: Path) -> None:
    env = {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path),
           "DIRECTCRM_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "DIRECTCRM_ADMIN_PASSWORD": "violet-kite-orchard-7",
           "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}
    env.pop("DIRECTCRM_KEYS", None)
    cli = [sys.executable, "-m", "core.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + 60, b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert b'"status":"ok"' in body.replace(b" ", b"")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            assert r.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=60)
    log = out.decode()
    assert server.returncode == 0, log[-2000:]
    assert "Booting worker" in log and log.count("Booting worker") >= 2  # two workers
    assert "GET /healthz" in log  # the access log
