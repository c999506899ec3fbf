"""Limits hold across worker processes: two gunicorn servers on one database, each with
its own worker process, share the login limit and Flask-Limiter's counters (#17)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.crypto import Keyring
from core.runtime import Runtime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str, body: dict[str, str] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture()
def two_servers(rt: Runtime, database_url: str, keyring: Keyring,
                tmp_path: Path) -> Iterator[tuple[list[str], list[subprocess.Popen[bytes]]]]:
    """Two `directcrm serve --workers 1` processes on the test database."""
    env = {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path),
           "DIRECTCRM_DATABASE_URL": database_url, "DIRECTCRM_KEYS": keyring.to_json(),
           "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}
    env.pop("DIRECTCRM_RATELIMIT_STORAGE", None)
    ports = [_free_port(), _free_port()]
    servers: list[subprocess.Popen[bytes]] = []
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        # One after the other: the first creates Flask-AppBuilder's tables.
        for port, base in zip(ports, bases, strict=True):
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                 "--workers", "1", "--threads", "2"], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
            deadline = time.monotonic() + 90
            while not _up(base):
                if time.monotonic() > deadline or any(s.poll() is not None for s in servers):
                    for server in servers:
                        server.kill()
                    logs = [server.communicate()[0].decode()[-3000:] for server in servers]
                    pytest.fail(f"a server did not start: {logs}")
                time.sleep(0.3)
        yield bases, servers
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.communicate(timeout=60)


def _up(base: str) -> bool:
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
    except (OSError, urllib.error.HTTPError):
        return False
    return True


def test_limits_hold_across_two_worker_processes(
        two_servers: tuple[list[str], list[subprocess.Popen[bytes]]]) -> None:
    (a, b), servers = two_servers
    # The login limit: 10 failures a minute per address, counted over both processes
    # (five refusals from each), then both refuse with 429.
    bad = {"username": "nobody", "password": "wrong-password-1", "provider": "db"}
    codes = [_status(f"{(a, b)[i % 2]}/api/v1/security/login", bad) for i in range(10)]
    assert codes == [401] * 10
    assert _status(f"{a}/api/v1/security/login", bad) == 429
    assert _status(f"{b}/api/v1/security/login", bad) == 429
    # Flask-Limiter's public-page limit (20 a minute per address): ten requests to each
    # process pass (404: no such brand), the 21st is refused whichever process gets it.
    codes = [_status(f"{(a, b)[i % 2]}/r/NOSUCH/code{i}") for i in range(20)]
    assert codes == [404] * 20
    assert _status(f"{a}/r/NOSUCH/x") == 429
    assert _status(f"{b}/r/NOSUCH/x") == 429
    pids = set()
    for server in servers:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=60)
        pids |= {line.rsplit("pid=", 1)[1].split()[0].strip("<>")
                 for line in out.decode().splitlines() if "pid=" in line}
    assert len(pids) == 2  # two worker processes answered
