"""The ``directcrm customers`` command group, shared by the modules that add subcommands
(``customers silent``... in ``core/cli/segments.py``, ``customers find`` in
``core/cli/customers.py``)."""

from __future__ import annotations

from core.cli.common import cli


@cli.group()
def customers() -> None:
    """Customer lists and lookups."""
