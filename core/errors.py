"""Domain errors raised by services and turned into messages at the edges.

Messages are translated where they are raised (the current locale is set by the edge), and
always name the field and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """A business rule refused the operation. ``code`` is stable for scripts and tests."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    """No such record in the acting brand (another brand's rows are 'not found' too)."""

    code = "not_found"


class ValidationFailed(DomainError):
    """Input failed validation; ``errors`` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, errors: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        self.errors = {k: list(v) for k, v in errors.items()}
        summary = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        super().__init__(message or summary)


class UnknownRef(ValidationFailed, NotFound):
    """A reference in the input (``rep_ref`` of a body, a CSV cell) that names no record
    the user may see: a field error (422 in the API, beside the field in a form) that is
    also a :class:`NotFound` for callers that only care that nothing was found."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]})


class ModuleError(DomainError):
    """A module cannot be enabled, disabled or loaded (dependencies, unknown name)."""

    code = "module_error"


class RuleViolation(DomainError):
    """A compliance or business rule blocks the operation; ``rule_id`` names it (e.g. DS3)."""

    code = "rule_violation"

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(f"[{rule_id}] {message}")
        self.rule_id = rule_id


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why row ``index`` (0-based, in the order given) of a batch cannot be written."""

    index: int
    field: str
    message: str


def raise_row_problems(problems: Sequence[RowProblem], rows: int) -> None:
    """Raise one :class:`ValidationFailed` naming every problem: by field for a batch of
    one, by ``N.field`` for more rows. Does nothing when there is no problem."""
    if not problems:
        return
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(f"{p.index}.{p.field}" if rows > 1 else p.field, []).append(p.message)
    raise ValidationFailed(errors)


def require_module(ctx: Any, module: str) -> None:
    """Refuse a direct call for a brand that has not enabled ``module`` (ModuleError)."""
    if module not in ctx.enabled_modules:
        from core.i18n import _

        raise ModuleError(_("The %(module)s module is not enabled for brand %(brand)s.",
                            module=module, brand=ctx.brand.code if ctx.brand else "-"))
