"""``directcrm audit export``."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import TextIO

import click

from core import audit
from core.cli.common import cli, handles_domain_errors, runtime
from core.context import Ctx
from core.i18n import _, current_locale, use_locale


@cli.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("export")
@click.option("--brand", "brand_code", default=None,
              help="Brand code; without it, every entry of the installation (UTC days).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (brand's local date), inclusive.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day (brand's local date), inclusive.")
@click.option("--action", default=None, help="Only this action, e.g. reveal.")
@click.option("--actor", default=None, help="Only this user.")
@click.option("--record-type", default=None, help="Only this record type, e.g. customers.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False,
                                                                  path_type=Path),
              help="CSV file to write.")
@click.option("--readable", is_flag=True,
              help="The audit screen's columns (local time, names, labelled changes, in the "
                   "command's language) instead of the entries as stored.")
@handles_domain_errors
def audit_export(brand_code: str | None, since: dt.datetime | None, until: dt.datetime | None,
                 action: str | None, actor: str | None, record_type: str | None,
                 out_path: Path, readable: bool) -> None:
    """Export the brand's audit entries as CSV (streamed).

    Without --brand: every entry, including installation-wide ones (key rotation, logins
    of users without a brand). With --readable, the same file as the audit screen's
    export.
    """
    ctx = runtime().ctx(brand_code, locale=current_locale())
    filters = audit.AuditFilter(
        action=action, actor=actor, record_type=record_type,
        since=_local_midnight(ctx.tz, since.date()) if since else None,
        until=_local_midnight(ctx.tz, until.date() + dt.timedelta(days=1)) if until else None)
    try:
        with out_path.open("w", encoding="utf-8", newline="") as fh:
            count = _readable(ctx, fh, filters) if readable else audit.export_csv(
                ctx, fh, filters)
    finally:
        ctx.session.close()
    click.echo(_("Exported %(count)s audit entries to %(path)s.", count=count, path=out_path))


def _readable(ctx: Ctx, out: TextIO, filters: audit.AuditFilter) -> int:
    """Write the audit screen's CSV (the web export's columns and labels, in the context's
    language); returns the number of entries written."""
    from core.audit.present import Presenter
    from core.services.brands import list_brands
    from core.web.views.audit import CHUNK, csv_cells, csv_header

    codes = {b.id: b.code for b in list_brands(ctx)} if ctx.brand is None else None
    writer = csv.writer(out, lineterminator="\n")
    out.write("\ufeff")  # spreadsheet programs then read UTF-8
    with use_locale(ctx.locale):
        writer.writerow(csv_header(ctx, codes is not None))
    presenter, batch, count = Presenter(ctx), [], 0

    def flush() -> None:
        for shown in presenter.show_all(batch):
            writer.writerow(csv_cells(shown, ctx, codes))

    for entry in audit.iter_entries(ctx, filters, chunk=CHUNK):
        batch.append(entry)
        count += 1
        if len(batch) == CHUNK:
            flush()
            batch = []
    flush()
    return count


def _local_midnight(tz: dt.tzinfo, day: dt.date) -> dt.datetime:
    """The start of ``day`` in the brand's timezone, as aware UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
