"""The compliance PDF for a brand with many reps (filled in once plugins/compliance has it)."""

from __future__ import annotations

from bench.harness import Config, Result


def run(cfg: Config) -> list[Result]:
    return [Result(bench="pdf", case="compliance PDF", value=None, unit="s/page",
                   note="the compliance PDF report is not in this checkout yet")]
