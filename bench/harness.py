"""The shared harness: sizes, results, timing, child processes, machine facts, the table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PROFILE_DIR = BENCH_DIR / "profiles"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:54329/postgres"
ENV_PG = "DIRECTCRM_BENCH_PG_URL"


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark runs. ``smoke`` proves the harness, ``quick`` takes about a
    minute, ``full`` is the size the targets are stated for."""

    name: str
    hook_calls: int
    orders: int
    import_customers: int
    import_lines: int
    import_backends: tuple[str, ...]
    segment_lines: tuple[int, ...]
    api_seconds: float
    api_customers: int
    pdf_reps: int

    @property
    def customers_per_line(self) -> float:
        return self.import_customers / self.import_lines


SMOKE = Sizes("smoke", hook_calls=2_000, orders=4, import_customers=50, import_lines=400,
              import_backends=("sqlite",), segment_lines=(400,), api_seconds=1.0,
              api_customers=50, pdf_reps=20)
QUICK = Sizes("quick", hook_calls=50_000, orders=60, import_customers=2_000,
              import_lines=20_000, import_backends=("sqlite", "postgresql"),
              segment_lines=(5_000, 20_000), api_seconds=3.0, api_customers=2_000,
              pdf_reps=300)
FULL = Sizes("full", hook_calls=300_000, orders=600, import_customers=100_000,
             import_lines=1_000_000, import_backends=("sqlite", "postgresql"),
             segment_lines=(10_000, 100_000, 1_000_000), api_seconds=20.0,
             api_customers=100_000, pdf_reps=10_000)


@dataclass
class Result:
    """One measured figure with its same-run baseline.

    ``ratio`` is always *cost relative to the baseline* (time / baseline time, or baseline
    rate / rate), so 1.00 = as fast as the baseline and 2.00 = twice the time.
    """

    bench: str
    case: str
    value: float | None
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    peak_mb: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def status(self) -> str:
        if self.value is None:
            return "FAILED" if self.ok is False else "n/a"
        if self.ok is None:
            return "-"
        return "ok" if self.ok else "MISSED"


@dataclass
class Config:
    """What a benchmark run gets: the sizes, a scratch folder and the PostgreSQL server."""

    sizes: Sizes
    workdir: Path
    pg_admin_url: str | None = DEFAULT_PG_ADMIN_URL
    profile: bool = True
    # Only this database backend where a benchmark runs on both ("sqlite"/"postgresql").
    backend: str | None = None
    # Databases one benchmark leaves for another (e.g. the import's 1M-line SQLite file
    # with every module, reused by the nightly-jobs benchmark), by a descriptive key.
    shared: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)


def throughput_ratio(rate: float, baseline_rate: float) -> float:
    """Cost ratio of a rate against a baseline rate (2.0 = half as fast)."""
    return baseline_rate / rate if rate else float("inf")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    out: list[float] = []
    start = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - start)


def best_of(fn: Callable[[], float], repeat: int) -> float:
    """The smallest of ``repeat`` measurements (the least disturbed by other load)."""
    return min(fn() for _ in range(repeat))


# -- child processes ----------------------------------------------------------------------


def run_child(task: str, spec: dict[str, Any], *, profile_to: Path | None = None,
              env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``bench.worker TASK`` in a fresh interpreter; returns its JSON answer plus
    ``peak_mb`` (the child's own peak resident memory)."""
    cmd = [sys.executable, "-m", "bench.worker", task, json.dumps(spec)]
    if profile_to is not None:
        profile_to.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pyinstrument", "--renderer", "text",
               "-o", str(profile_to), "-m", "bench.worker", task, json.dumps(spec)]
    child_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env, stdout=out_f, stderr=err_f,
                                text=True)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max so far).
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise RuntimeError(f"bench.worker {task} failed ({proc.returncode}):\n{err[-4000:]}")
    last = [line for line in out.splitlines() if line.startswith("{")]
    if not last:
        raise RuntimeError(f"bench.worker {task} printed no result:\n{out[-2000:]}{err[-2000:]}")
    answer = json.loads(last[-1])
    # The worker reports VmHWM of its own address space; ru_maxrss from wait4 is kept for
    # reference (it also counts the runner's pages shared between fork and exec).
    answer["ru_maxrss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return answer


# -- machine facts and the table ----------------------------------------------------------


def machine() -> dict[str, str]:
    """Cores, memory (from /proc/meminfo), load, Python and the git commit."""
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        # The benchmarks' own outputs (this README, results, profiles) do not count: runs
        # side by side rewrite them.
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":!bench/README.md", ":!bench/results.json",
                                ":!bench/profiles"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        if dirty:
            commit += " (+ uncommitted changes)"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "memory": mem,
        "load": load,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "commit": commit,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(value: float | None, unit: str = "") -> str:
    """A number with sensible precision and thousands separators."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(results: list[Result]) -> str:
    """The results as a Markdown table."""
    head = ("| Benchmark | Case | Result | Baseline | Ratio | Peak MB | Target | Status | Notes |\n"
            "|---|---|---|---|---|---|---|---|---|")
    rows = []
    for r in results:
        base = f"{r.baseline}: {fmt(r.baseline_value, r.unit)}" if r.baseline else "-"
        ratio = f"×{r.ratio:.2f}" if r.ratio is not None else "-"
        peak = fmt(r.peak_mb) if r.peak_mb is not None else "-"
        note = r.note.replace("|", "/").replace("\n", " ")
        rows.append(f"| {r.bench} | {r.case} | {fmt(r.value, r.unit)} | {base} | {ratio} "
                    f"| {peak} | {r.target or '-'} | {r.status()} | {note} |")
    return "\n".join([head, *rows])


def machine_line(info: dict[str, str], sizes: Sizes) -> str:
    return (f"Run {info['date']}, sizes `{sizes.name}`, commit `{info['commit']}`; "
            f"machine: {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, "
            f"load average at start {info['load']}, Python {info['python']}.")


def to_json(results: list[Result]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]


# -- bench/README.md -------------------------------------------------------------------

README = BENCH_DIR / "README.md"
RESULTS_JSON = BENCH_DIR / "results.json"
START, END = "<!-- results:start (written by python -m bench --write-readme) -->", \
    "<!-- results:end -->"


def data_dir() -> Path:
    """Where generated CSV files are cached (deterministic, so safe to reuse)."""
    path = Path(os.environ.get("DIRECTCRM_BENCH_DATA")
                or Path.home() / ".cache" / "directcrm-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_readme(results: list[Result], info: dict[str, str], sizes: Sizes,
                 readme: Path = README, store: Path = RESULTS_JSON) -> None:
    """Record this run's benchmarks in ``results.json`` (replacing earlier runs of the same
    benchmarks, keeping the others) and rewrite the table between the markers of the
    README. Each benchmark keeps the date, machine, sizes and commit of its own run."""
    import fcntl

    with open(Path(tempfile.gettempdir()) / "directcrm-bench-results.lock", "w") as lock:
        # Several runs side by side (``--backend``) each record their own benchmarks.
        fcntl.flock(lock, fcntl.LOCK_EX)
        _write_readme(results, info, sizes, readme, store)


def _write_readme(results: list[Result], info: dict[str, str], sizes: Sizes, readme: Path,
                  store: Path) -> None:
    runs: dict[str, Any] = json.loads(store.read_text()) if store.exists() else {}
    by_bench: dict[str, list[Result]] = {}
    for r in results:
        by_bench.setdefault(r.bench, []).append(r)
    for bench, rows in by_bench.items():
        runs[bench] = {"machine": info, "sizes": sizes.name, "results": to_json(rows)}
    store.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n")
    parts = []
    for bench, run in runs.items():
        rows = [Result(**r) for r in run["results"]]
        m = run["machine"]
        parts.append(f"### {bench}\n\n{machine_line(m, _sizes(run['sizes']))}\n\n{table(rows)}\n")
    body = "\n".join(parts)
    text = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{body}\n{END}{tail}")


def _sizes(name: str) -> Sizes:
    return {s.name: s for s in (SMOKE, QUICK, FULL)}[name]
