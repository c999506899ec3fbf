"""The REST API under concurrent load on PostgreSQL (filled in once core/web lands)."""

from __future__ import annotations

from bench.harness import Config, Result


def run(cfg: Config) -> list[Result]:
    return [Result(bench="api", case="REST API, 16 clients", value=None, unit="ms",
                   note="core/web (the REST API) is not in this checkout yet")]
