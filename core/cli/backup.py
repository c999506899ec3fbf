"""``directcrm backup`` and ``directcrm restore`` (core.backup)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _


@cli.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (replaced if it exists).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def backup_command(out: Path, as_json: bool) -> None:
    """Back up the database into one file while the server keeps running (SQLite: the
    online backup API; PostgreSQL: pg_dump). Keep the key file beside it, separately."""
    from core.backup import backup, summary

    manifest = backup(runtime().engine, out)
    info = summary(manifest)
    if as_json:
        click.echo(json.dumps({**info, "file": str(out)}, ensure_ascii=False, indent=2))
        return
    click.echo(_("Backed up %(rows)s rows in %(tables)s tables to %(file)s.",
                 rows=info["rows"], tables=info["tables"], file=str(out)))
    click.echo(_("It needs the key file with keys %(keys)s: keep a copy of that file with "
                 "this backup.", keys=", ".join(info["keys"]) or "-"))


@cli.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database-url", default=None,
              help="Restore into this database (default: the configured one).")
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def restore_command(backup_file: Path, database_url: str | None, force: bool,
                    as_json: bool) -> None:
    """Restore BACKUP_FILE into an empty database (stop the server and workers first).
    Refuses, changing nothing, when the key ring does not match the backup."""
    from core.backup import restore, url_engine

    rt = runtime()
    engine = url_engine(database_url) if database_url else rt.engine
    try:
        result = restore(engine, backup_file, force=force)
    finally:
        if database_url:
            engine.dispose()
    if as_json:
        click.echo(json.dumps(result.__dict__, ensure_ascii=False, indent=2))
        return
    click.echo(_("Restored %(rows)s rows in %(tables)s tables from the backup of "
                 "%(created_at)s; every count matches and the key ring reads the data.",
                 rows=result.rows, tables=result.tables, created_at=result.created_at))
