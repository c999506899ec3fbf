"""Batch decision hooks: the answers of every module, collected per item of the batch.

``crm_validate_orders`` and ``crm_validate_products`` take a batch and return problems
whose ``field`` starts with the item's index (``2.lines.0.unit_price``); all problems are
collected, and a blocking one refuses its item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from core.errors import RuleViolation
from core.events import Problem


def problems_by_item(answers: Iterable[Sequence[Problem] | None]) -> dict[int, list[Problem]]:
    """``{index: problems}`` from the modules' answers, each problem's ``field`` without
    its index prefix."""
    out: dict[int, list[Problem]] = {}
    for problems in answers:
        for problem in problems or ():
            index, _sep, field = (problem.field or "0").partition(".")
            out.setdefault(int(index), []).append(replace(problem, field=field or None))
    return out


def refuse_if_blocking(problems: Sequence[Problem]) -> list[Problem]:
    """Raise RuleViolation for the blocking problems of one item; return the warnings."""
    blocking = [p for p in problems if p.blocking]
    if blocking:
        raise RuleViolation(blocking[0].code, "; ".join(p.message for p in blocking))
    return [p for p in problems if not p.blocking]
