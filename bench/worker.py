"""Child-process tasks, so that each measured run has its own peak memory (VmHWM).

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


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict[str, float]:
    """Wall seconds and this process's CPU seconds since ``start`` (CPU time is far less
    disturbed by other load on a shared machine; the server's share is not in it)."""
    return {"seconds": time.perf_counter() - start[0],
            "cpu_seconds": time.process_time() - start[1]}


@task
def import_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Parse the orders CSV with the csv module and insert the same rows with the raw
    driver (sqlite3 ``executemany`` or psycopg ``COPY``)."""
    from bench.rawimport import raw_import

    start = _clock()
    rows = raw_import(spec["url"], spec["csv"], spec["brand"])
    return {**_since(start), "rows": rows}


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
    start = _clock()
    try:
        cli.main(["import", "orders", spec["csv"], "--brand", spec["brand"]],
                 standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    return {**_since(start)}


def _brand_ctx(spec: dict[str, Any]) -> Any:
    from bench import db

    rt = db.runtime(spec["url"], __import__("pathlib").Path(spec["instance"]))
    return db.ctx(rt, spec["brand"])


@task
def pdf_report(spec: dict[str, Any]) -> dict[str, Any]:
    """The compliance module's monthly filing pack, end to end."""
    from plugins.compliance.report.generate import generate_filing_pack

    ctx = _brand_ctx(spec)
    start = _clock()
    record = generate_filing_pack(ctx, spec["period"], spec["out"])
    return {**_since(start), "pages": _pages(spec["out"]),
            "registered_pages": getattr(record, "pages", None)}


@task
def pdf_web_wait(spec: dict[str, Any]) -> dict[str, Any]:
    """The web admin's "Compliance report (PDF)" button for a compliance officer: how long
    the request takes (it queues the report) against how long the worker takes to render
    it, three rounds; then once with ``DIRECTCRM_JOBS=inline`` (rendered inside the
    request, as before background jobs)."""
    import os
    import statistics
    from pathlib import Path

    from bench import db
    from core.jobqueue.runner import QueueRunner
    from core.web.app import create_app
    from core.web.users import create_user

    os.environ["DIRECTCRM_FILES_DIR"] = str(Path(spec["instance"]) / "files")
    rt = db.runtime(spec["url"], Path(spec["instance"]))
    app = create_app(rt, {"TESTING": True, "WTF_CSRF_ENABLED": False,
                          "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    password = "Bench-wait-Q7x!2026"
    create_user(app, "bench.officer", password, "compliance_officer",
                brand_code=spec["brand"], locale="en")
    client = app.test_client()
    assert client.post("/login/", data={"username": "bench.officer",
                                        "password": password}).status_code == 302
    url = f"/compliance/download?period={spec['period']}"
    client.get("/compliance/")  # warm the app (templates, permissions) before timing
    runner = QueueRunner(rt.engine, rt.registry, worker_id="bench")
    waits, renders = [], []
    for _round in range(3):
        start = time.perf_counter()
        r = client.get(url)
        waits.append(time.perf_counter() - start)
        assert r.status_code == 302 and "/jobs/" in r.headers["Location"], r.status_code
        start = time.perf_counter()
        assert len(runner.run_pending()) == 1
        renders.append(time.perf_counter() - start)
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "job-download" in page
    os.environ["DIRECTCRM_JOBS"] = "inline"
    try:
        start = time.perf_counter()
        r = client.get(url)
        inline = time.perf_counter() - start
    finally:
        del os.environ["DIRECTCRM_JOBS"]
    assert r.status_code == 302
    return {"seconds": statistics.median(waits), "render_seconds": statistics.median(renders),
            "inline_seconds": inline, "waits": waits, "renders": renders}


@task
def pdf_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """WeasyPrint alone on the same HTML: every block of the filing pack in one document."""
    from weasyprint import HTML

    from core.i18n import use_locale
    from plugins.compliance.report import generate as gen
    from plugins.compliance.report.documents import filing_blocks
    from plugins.compliance.report.pdf import FONTS, HEADING_FONTS, TEMPLATES, environment

    ctx = _brand_ctx(spec)
    with use_locale(ctx.brand.default_locale):
        locale, _period, fmt, info = gen._setup(ctx, spec["period"], None)
        rule = info.pack.get("DS11")
        filing_day = int(rule.parameters.get("filing_day", 15)) if rule else 15
        meta = gen._meta(ctx, info, "Monthly filing pack", locale, fmt)
        env = environment(fmt)
        blocks = list(filing_blocks(ctx, info, fmt, filing_day))
        html = env.get_template("layout.html").render(
            meta=meta, blocks=blocks, fonts=FONTS.get(locale, FONTS["en"]),
            heading_fonts=HEADING_FONTS.get(locale, HEADING_FONTS["en"]), env=env,
            stamp=False)
        start = _clock()
        HTML(string=html, base_url=str(TEMPLATES)).write_pdf(spec["out"])
    return {**_since(start), "pages": _pages(spec["out"])}


@task
def api_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """Profile ``count`` requests of one API scenario in-process (Flask test client) with
    pyinstrument; the text profile goes to ``spec['profile']``."""
    import os
    import random
    from pathlib import Path

    from pyinstrument import Profiler

    os.environ["DIRECTCRM_DATABASE_URL"] = spec["url"]
    os.environ["DIRECTCRM_INSTANCE_PATH"] = spec["instance"]
    from bench import data
    from core.web.app import create_app

    app = create_app()
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": spec["user"], "password": spec["password"], "provider": "db"}
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    n = spec["customers"]
    if spec["kind"] == "customer360":
        page = client.get("/login/")
        html = page.get_data(as_text=True)
        import re

        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        client.post("/login/", data={"username": spec["user"], "password": spec["password"],
                                     "csrf_token": m.group(1) if m else ""})

    def one(i: int) -> int:
        kind = spec["kind"]
        if kind == "search":
            q = rng.choice((rng.choice(data.SURNAMES[:40]), data.customer_ref(rng.randrange(n))))
            return client.get(f"/api/v1/customers/?q={q}", headers=headers).status_code
        if kind == "customer360":
            return client.get(f"/customers/show/{rng.randrange(1, n + 1)}").status_code
        body = {"order_ref": f"PROF-{i}", "customer_ref": data.customer_ref(rng.randrange(n)),
                "ordered_at": "2026-02-28 15:00:00", "status": "paid",
                "lines": [{"sku": data.sku(0), "quantity": 1,
                           "unit_price": spec["price"]}]}
        return client.post("/api/v1/orders/", json=body, headers=headers).status_code

    for i in range(5):
        one(10_000 + i)  # warm-up
    profiler = Profiler()
    start = _clock()
    with profiler:
        codes = [one(i) for i in range(spec["count"])]
    seconds = _since(start)["seconds"]
    Path(spec["profile"]).write_text(profiler.output_text(unicode=True, color=False))
    return {"seconds": seconds, "ms_per_request": seconds / spec["count"] * 1000,
            "errors": sum(1 for c in codes if c >= 400)}


def _pages(path: str) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def peak_mb() -> float:
    """This process's peak resident memory in MiB: ``VmHWM`` of its own address space.

    (``ru_maxrss`` would also count the parent's pages the child had between fork and
    exec, so every child would look at least as big as the benchmark runner.)
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    name, raw = sys.argv[1], sys.argv[2]
    result = TASKS[name](json.loads(raw))
    result["peak_mb"] = peak_mb()
    sys.stdout.flush()
    print("\n" + json.dumps(result))


if __name__ == "__main__":
    main()
