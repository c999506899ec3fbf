"""The ``directcrm reps`` command group; areas add their subcommands to it."""

from __future__ import annotations

from core.cli.common import cli


@cli.group()
def reps() -> None:
    """Reps: offboarding and handover, lists."""
