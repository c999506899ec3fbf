"""The ``directcrm customers`` command group; areas add their subcommands to it."""

from __future__ import annotations

from core.cli.common import cli


@cli.group()
def customers() -> None:
    """Customers: duplicates and merging, silent customers, lists."""
