"""One module per rule family; ``CHECKS`` maps a rule ID to its check function.

A check takes ``(ctx, rule, period)`` and returns a :class:`core.events.ComplianceResult`.
Checks are set-based: SQL narrows the brand's rows to the period (and to the candidates
that can break the rule); only those few are looked at in Python, in the brand's timezone.
"""

from __future__ import annotations

from plugins.compliance.checks.base import Check
from plugins.compliance.checks.filing import CHECKS as FILING
from plugins.compliance.checks.pay import CHECKS as PAY
from plugins.compliance.checks.reps import CHECKS as REPS
from plugins.compliance.checks.returns import CHECKS as RETURNS
from plugins.compliance.checks.sales import CHECKS as SALES

CHECKS: dict[str, Check] = {**REPS, **SALES, **RETURNS, **PAY, **FILING}

__all__ = ["CHECKS"]
