"""The ``directcrm`` command line. Commands are thin: they parse, call services, print."""

from __future__ import annotations

import sys

import click

from core.cli import (  # noqa: F401  (each module registers its commands)
    audit,
    backup,
    brands,
    customers,
    customers_merge,
    demo,
    distribute,
    handover,
    imports,
    jobs,
    keys,
    leads,
    modules,
    segments,
    settings,
    tasks,
    web,
)
from core.cli.common import cli


def main() -> None:
    """Entry point of the ``directcrm`` console script."""
    from core.cli.common import load_plugin_commands, warn_broken_modules

    load_plugin_commands()
    warn_broken_modules()
    try:
        cli(standalone_mode=True)
    except click.exceptions.Exit as exc:  # pragma: no cover
        sys.exit(exc.exit_code)


__all__ = ["cli", "main"]
