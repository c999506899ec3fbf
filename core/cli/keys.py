"""``directcrm keys status`` and ``directcrm keys rotate``."""

from __future__ import annotations

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _
from core.services.keys import key_usage, rotate_keys


@cli.group()
def keys() -> None:
    """Encryption keys of personal data."""


@keys.command("status")
@handles_domain_errors
def keys_status() -> None:
    """Show the keys in the keyring and how many stored values use each."""
    usage = key_usage(runtime().ctx())
    click.echo(_("Current key: %(key)s", key=usage.current))
    for key_id in sorted(set(usage.keys) | set(usage.totals)):
        state = _("current") if key_id == usage.current else (
            _("old") if key_id in usage.keys else _("MISSING from the keyring"))
        click.echo(f"{key_id}\t{usage.totals.get(key_id, 0)}\t{state}")
    for name, counts in usage.by_column.items():
        shown = ", ".join(f"{k}={n}" for k, n in sorted(counts.items())) or "-"
        click.echo(f"  {name}\t{shown}")
    if usage.pending:
        click.echo(_("%(count)s values still use an old key: run 'directcrm keys rotate' to "
                     "finish the rotation.", count=usage.pending))


@keys.command("rotate")
@click.option("--batch-size", default=1000, show_default=True, type=int,
              help="Values re-encrypted per committed transaction.")
@click.option("--max-batches", default=None, type=int,
              help="Stop after this many batches (run again to resume).")
@handles_domain_errors
def keys_rotate(batch_size: int, max_batches: int | None) -> None:
    """Add a new key and re-encrypt every encrypted field with it (resumable)."""
    result = rotate_keys(runtime().ctx(), batch_size=batch_size, max_batches=max_batches)
    if result.started:
        click.echo(_("New current key: %(key)s.", key=result.current))
    else:
        click.echo(_("Resuming the rotation to key %(key)s.", key=result.current))
    click.echo(_("Re-encrypted %(count)s values in %(batches)s batches.",
                 count=result.reencrypted, batches=result.batches))
    if result.finished:
        click.echo(_("Rotation complete; retired keys: %(keys)s.",
                     keys=", ".join(result.retired) or "-"))
    else:
        click.echo(_("Rotation not finished: run 'directcrm keys rotate' again to resume."))
