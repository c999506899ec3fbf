"""The ``directcrm customers`` command group; areas add their subcommands to it
(``find`` in customers.py, ``silent``/``reactivation``/``at-risk`` in segments.py,
``duplicates``/``merge`` in customers_merge.py)."""

from __future__ import annotations

from core.cli.common import cli


@cli.group()
def customers() -> None:
    """Customers: lookups, duplicates and merging, silent and at-risk lists."""
