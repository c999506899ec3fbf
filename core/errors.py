"""Domain errors raised by services and turned into messages at the edges.

Messages are translated where they are raised (the current locale is set by the edge), and
always name the field and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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


class ModuleError(DomainError):
    """A module cannot be enabled, disabled or loaded (dependencies, unknown name)."""

    code = "module_error"


class RuleViolation(DomainError):
    """A compliance or business rule blocks the operation; ``rule_id`` names it (e.g. DS3)."""

    code = "rule_violation"

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(f"[{rule_id}] {message}")
        self.rule_id = rule_id
