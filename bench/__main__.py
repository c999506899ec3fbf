"""``python -m bench [--quick] [--only NAME...] [--write-readme]``: run the benchmarks."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import harness
from bench.harness import FULL, QUICK, SMOKE, Config, Result

# name → module (each has ``run(cfg) -> list[Result]``), in the order they run.
BENCHES = {
    "hooks": "bench.b_hooks",
    "orders": "bench.b_orders",
    "import": "bench.b_import",
    "segments": "bench.b_segments",
    "api": "bench.b_api",
    "pdf": "bench.b_pdf",
}


def run_benches(names: list[str], cfg: Config,
                record: Callable[[list[Result]], None] | None = None) -> list[Result]:
    """Run the named benchmarks; a failing one is reported as a row, not a crash.
    ``record`` gets each benchmark's rows as soon as it finishes."""
    results: list[Result] = []
    for name in names:
        cfg.log(f"== {name} ({cfg.sizes.name})")
        try:
            module = importlib.import_module(BENCHES[name])
            got = module.run(cfg)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the rest
            traceback.print_exc()
            got = [Result(bench=name, case="(failed)", value=None, unit="",
                          note=f"{type(exc).__name__}: {str(exc)[:200]}")]
        for r in got:
            cfg.log(f"   {r.case}: {harness.fmt(r.value, r.unit)}"
                    + (f"  ratio ×{r.ratio:.2f}" if r.ratio is not None else "")
                    + f"  [{r.status()}]")
        results.extend(got)
        if record is not None:
            record(got)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes (harness check)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), metavar="NAME",
                        help=f"run only these ({', '.join(BENCHES)})")
    parser.add_argument("--write-readme", action="store_true",
                        help="write the results table into bench/README.md")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--pg", default=os.environ.get(harness.ENV_PG,
                                                       harness.DEFAULT_PG_ADMIN_URL),
                        help="PostgreSQL admin URL (a private database is created and dropped)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"),
                        help="only this database where a benchmark runs on both (import, "
                             "orders); the import rows of each backend are kept apart, so "
                             "two runs can go side by side")
    parser.add_argument("--no-profile", action="store_true",
                        help="do not profile benchmarks that miss their target")
    parser.add_argument("--workdir", type=Path,
                        help="scratch folder (default: a temporary one; generated data is "
                             "cached in ~/.cache/directcrm-bench)")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="directcrm-bench-"))
    # Anything that starts a default runtime (plugin CLI commands) must not write keys or a
    # database into the checkout.
    os.environ.setdefault("DIRECTCRM_INSTANCE_PATH", str(workdir / "instance"))
    os.environ.setdefault("DIRECTCRM_DATABASE_URL", f"sqlite:///{workdir / 'default.db'}")
    cfg = Config(sizes=sizes, workdir=workdir, pg_admin_url=args.pg or None,
                 profile=not args.no_profile, backend=args.backend)
    info = harness.machine()
    cfg.log(harness.machine_line(info, sizes))
    try:
        record = ((lambda rows: harness.write_readme(rows, info, sizes))
                  if args.write_readme else None)
        results = run_benches(args.only or list(BENCHES), cfg, record)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(harness.machine_line(info, sizes))
    print()
    print(harness.table(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "sizes": sizes.name,
                                         "results": harness.to_json(results)},
                                        ensure_ascii=False, indent=1))
    if args.write_readme:
        print(f"\nwrote {harness.README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
