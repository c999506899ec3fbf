"""``directcrm citus-sql``: the SQL that distributes the tables by brand (core.distribution)."""

from __future__ import annotations

import click

from core.cli.common import cli


@cli.command("citus-sql")
def citus_sql_command() -> None:
    """Print the SQL that distributes this installation's tables by brand on a Citus
    coordinator (core and installed modules): reference tables, distributed tables
    co-located by brand_id, local tables. See docs/deploy.md, "Scale-out by brand"."""
    import core.all_models  # noqa: F401
    from core.db import Base
    from core.distribution import citus_statements
    from core.plugins import default_registry

    default_registry()
    for statement in citus_statements(Base.metadata):
        click.echo(statement)
