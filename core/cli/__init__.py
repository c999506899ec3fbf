"""The ``directcrm`` command line. Commands are thin: they parse, call services, print."""

from __future__ import annotations

import sys

import click

import core.cli.customers_merge  # noqa: F401
import core.cli.handover  # noqa: F401
import core.cli.leads  # noqa: F401
import core.cli.tasks  # noqa: F401
from core.cli import brands, modules  # noqa: F401  (registers commands)
from core.cli.common import cli


def main() -> None:
    """Entry point of the ``directcrm`` console script."""
    from core.cli.common import load_plugin_commands

    load_plugin_commands()
    try:
        cli(standalone_mode=True)
    except click.exceptions.Exit as exc:  # pragma: no cover
        sys.exit(exc.exit_code)


__all__ = ["cli", "main"]
