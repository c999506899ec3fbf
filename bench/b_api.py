"""The REST API and the customer 360° page under concurrent load, on PostgreSQL.

A private PostgreSQL database gets the brand (every module enabled), its customers and
three order lines per customer of history. The app is served by gunicorn (2 worker
processes × 8 threads, ``--preload``) on localhost; ``wrk`` (Debian package) drives 16
concurrent connections for a fixed time per scenario and reports p50/p99 latency and
errors (non-2xx responses and socket errors). The baseline is the same server, same load,
returning a static file (no database, no login): the cost of the stack itself.

Scenarios: customer search (``GET /api/v1/customers/?q=`` by surname, ref or phone), the
customer 360° page (``GET /customers/show/<id>``, logged-in session), order create
(``POST /api/v1/orders/``, JWT, a new order_ref each request).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench import data, db
from bench.harness import PROFILE_DIR, ROOT, Config, Result, data_dir, run_child
from bench.rawimport import raw_import

CLIENTS = 16
TARGET_P99_MS = 100.0
USER, PASSWORD = "bench_admin", "bench-password-1"


def available() -> str | None:
    """Why the benchmark cannot run here, or None."""
    try:
        import core.web.app  # noqa: F401
    except ImportError:
        return "core/web (the REST API) is not in this checkout yet"
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install -y wrk)"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "gunicorn is not installed (pip install -e '.[bench]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/crm/crm.css", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _jwt(base: str) -> str:
    body = json.dumps({"username": USER, "password": PASSWORD, "provider": "db"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/security/login", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["access_token"]


def _session_cookie(base: str) -> str:
    """Log in through the form (CSRF token included) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"username": USER, "password": PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(f"{base}/login/", data=urllib.parse.urlencode(form).encode(), timeout=10)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


LUA_COMMON = r"""
local counter = 0
local tid = 0
local run = "0"
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
  run = args[1] or "0"  -- one per wrk run: the warm-up and the run must not share refs
  math.randomseed(1000 + tid)
end
"""


def _lua(kind: str, spec: data.DataSpec, auth: str, cookie: str, prices: list[str]) -> str:
    n = spec.customers
    if kind == "static":
        return 'wrk.method = "GET"\n'
    if kind == "search":
        surnames = "{" + ",".join(f'"{urllib.parse.quote(s)}"' for s in data.SURNAMES[:40]) + "}"
        return LUA_COMMON + f"""
local surnames = {surnames}
wrk.headers["Authorization"] = "Bearer {auth}"
function request()
  local r = math.random(3)
  local q
  if r == 1 then q = surnames[math.random(#surnames)]
  elseif r == 2 then q = string.format("C%07d", math.random(0, {n - 1}))
  else q = string.format("139%08d", (math.random(0, {n - 1}) * 7919) % 100000000) end
  return wrk.format("GET", "/api/v1/customers/?q=" .. q)
end
"""
    if kind == "customer360":
        return LUA_COMMON + f"""
wrk.headers["Cookie"] = "{cookie}"
function request()
  return wrk.format("GET", "/customers/show/" .. math.random(1, {n}))
end
"""
    if kind == "order_create":
        plist = "{" + ",".join(f'"{p}"' for p in prices) + "}"
        return LUA_COMMON + f"""
local prices = {plist}
wrk.headers["Authorization"] = "Bearer {auth}"
wrk.headers["Content-Type"] = "application/json"
function request()
  counter = counter + 1
  local c = math.random(0, {n - 1})
  local p = math.random(0, #prices - 1)
  local body = string.format(
    '{{"order_ref":"W%s-%d-%d","customer_ref":"C%07d","ordered_at":"2026-02-28 15:00:00",' ..
    '"status":"paid","channel":"app","lines":[{{"sku":"SKU%04d","quantity":1,' ..
    '"unit_price":"%s"}}]}}', run, tid, counter, c, p, prices[p + 1])
  return wrk.format("POST", "/api/v1/orders/", nil, body)
end
"""
    raise ValueError(kind)


PATHS = {"static": "/static/crm/crm.css", "search": "/", "customer360": "/",
         "order_create": "/"}


def _wrk(base: str, script: Path, path: str, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{max(1, round(seconds))}s",
         "--timeout", "10s", "--latency", "-s", str(script), base + path,
         "--", uuid.uuid4().hex[:10]],
        capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    """p50/p99 (ms), requests, requests/s and errors from ``wrk --latency`` output."""
    res: dict[str, Any] = {"raw": out}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", out, re.M)
        res[f"p{pct}"] = _ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    res["errors"] = errors
    return res


def probe(base: str, kind: str, auth: str, cookie: str, spec: data.DataSpec,
          prices: list[str]) -> str:
    """One request of the scenario with urllib: its status, and the body if it failed."""
    headers = {"Authorization": f"Bearer {auth}", "Cookie": cookie}
    body = None
    path = {"static": "/static/crm/crm.css",
            "search": "/api/v1/customers/?q=" + urllib.parse.quote(data.SURNAMES[0]),
            "customer360": "/customers/show/1", "order_create": "/api/v1/orders/"}[kind]
    if kind == "order_create":
        body = json.dumps({"order_ref": "PROBE-1", "customer_ref": data.customer_ref(0),
                           "ordered_at": "2026-02-28 15:00:00", "status": "paid",
                           "lines": [{"sku": data.sku(0), "quantity": 1,
                                      "unit_price": prices[0]}]}).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return str(resp.status)
    except urllib.error.HTTPError as exc:
        return f"{exc.code}: {exc.read()[:300].decode(errors='replace')}"


#: Worker processes of the scaling rows (gthread, 4 threads each, the same 16 clients).
SCALING_WORKERS = (1, 2, 4)


def _serve_and_measure(cfg: Config, url: str, instance: Path, spec: data.DataSpec,
                       prices: list[str], *, workers: int, threads: int,
                       profile: bool = False) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Start gunicorn with ``workers`` × ``threads`` on the loaded database, drive each
    scenario with wrk, stop it; the figures per scenario, and the profiles' notes."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIRECTCRM_DATABASE_URL": url,
           "DIRECTCRM_INSTANCE_PATH": str(instance)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-k", "gthread",
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "-c", "python:bench.gunicorn_conf",
         "bench.wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    figures: dict[str, dict[str, Any]] = {}
    profiles: dict[str, str] = {}
    n = spec.customers
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(port, server)
        auth, cookie = _jwt(base), _session_cookie(base)
        cfg.log(f"   gunicorn {workers} x {threads} threads")
        for kind in ("static", "search", "customer360", "order_create"):
            script = cfg.workdir / f"wrk-{kind}-{workers}x{threads}.lua"
            script.write_text(_lua(kind, spec, auth, cookie, prices))
            cfg.log(f"   {kind}: probe {probe(base, kind, auth, cookie, spec, prices)}; "
                    f"wrk {cfg.sizes.api_seconds:.0f} s after 1 s of warm-up")
            if cfg.sizes.name != "smoke":
                _wrk(base, script, PATHS[kind], 1)
            figures[kind] = _wrk(base, script, PATHS[kind], cfg.sizes.api_seconds)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        for kind in ("search", "customer360", "order_create") if profile else ():
            f = figures[kind]
            read = kind != "order_create"
            if cfg.profile and (f["errors"] or (read and (f["p99"] or 1e9) >= TARGET_P99_MS)):
                target = PROFILE_DIR / f"api-{kind}.txt"
                target.parent.mkdir(parents=True, exist_ok=True)
                out = run_child("api_profile", {
                    "url": url, "instance": str(instance), "user": USER,
                    "password": PASSWORD, "customers": n, "kind": kind, "count": 100,
                    "price": prices[0], "profile": str(target)})
                profiles[kind] = (f"; one client alone: {out['ms_per_request']:.1f} ms/request"
                                  f" (profile: bench/profiles/{target.name})")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return figures, profiles


def run(cfg: Config) -> list[Result]:
    why = available()
    if why:
        return [Result(bench="api", case=f"REST API, {CLIENTS} clients", value=None, unit="ms",
                       note=why)]
    if not db.pg_available(cfg.pg_admin_url):
        return [Result(bench="api", case=f"REST API, {CLIENTS} clients", value=None, unit="ms",
                       note="PostgreSQL server not reachable")]
    n = cfg.sizes.api_customers
    spec = data.DataSpec(customers=n, lines=n * 3)
    files = data.generate(spec, data_dir())
    prices = [p["list_price"] for p in data.products(spec)]
    instance = cfg.workdir / "instance"
    results = []
    with db.database("postgresql", cfg.workdir, "api", cfg.pg_admin_url) as url:
        rt = db.runtime(url, instance)
        db.prepare(rt, spec, db.all_modules())
        cfg.log(f"   loading {spec.lines:,} order lines")
        raw_import(url, str(files["orders"]), db.BRAND)
        # planner statistics, as autovacuum would have them on a server that has been up
        # for a minute (the raw loader writes the rows behind its back)
        db.analyze(url)
        from core.web.users import create_user

        create_user(rt, USER, PASSWORD, "brand_admin", brand_code=db.BRAND)
        rt.engine.dispose()
        figures, profiles = _serve_and_measure(cfg, url, instance, spec, prices, workers=2,
                                               threads=8, profile=True)
        scaling = {workers: _serve_and_measure(cfg, url, instance, spec, prices,
                                               workers=workers, threads=4)[0]
                   for workers in SCALING_WORKERS}
    base_fig = figures["static"]
    results.append(Result(
        bench="api", case=f"baseline: static file, same server, {CLIENTS} clients",
        value=base_fig["p99"], unit="ms p99", note=f"p50 {base_fig['p50']:.1f} ms; "
        f"{base_fig['rps']:.0f} req/s; {base_fig['errors']} errors"))
    labels = {"search": "customer search (API)", "customer360": "customer 360° page (HTML)",
              "order_create": "order create (API)"}
    for kind, label in labels.items():
        f = figures[kind]
        read = kind != "order_create"
        ok = f["errors"] == 0 and (not read or (f["p99"] or 1e9) < TARGET_P99_MS)
        results.append(Result(
            bench="api", case=f"{label}, PostgreSQL, {CLIENTS} clients, {n:,} customers",
            value=f["p99"], unit="ms p99", baseline="static file", baseline_value=base_fig["p99"],
            ratio=(f["p99"] / base_fig["p99"]) if f["p99"] and base_fig["p99"] else None,
            target=(f"p99 < {TARGET_P99_MS:.0f} ms, " if read else "") + "0 errors", ok=ok,
            note=f"p50 {f['p50']:.1f} ms; {f['rps']:.0f} req/s; {f['requests']} requests; "
                 f"{f['errors']} errors" + profiles.get(kind, "")))
    one = scaling[SCALING_WORKERS[0]]
    for kind, label in labels.items():
        for workers in SCALING_WORKERS:
            f, f1 = scaling[workers][kind], one[kind]
            results.append(Result(
                bench="api", case=f"{label}, {workers} worker process(es) x 4 threads",
                value=f["rps"], unit="req/s", baseline="1 worker process",
                baseline_value=f1["rps"],
                # a cost ratio, as everywhere in bench/: x0.50 = twice the throughput
                ratio=(f1["rps"] / f["rps"]) if f["rps"] and f1["rps"] else None,
                target="0 errors", ok=f["errors"] == 0 and f["rps"] > 0,
                note=f"p99 {f['p99']:.1f} ms; p50 {f['p50']:.1f} ms; {f['errors']} errors"))
    return results
