"""CLI of the compliance module: ``directcrm compliance ...``, ``directcrm report ...`` and
``directcrm import rep_pay`` (or ``compliance import-pay`` when the core has no ``import``
group). Commands are thin: parse, call services, print."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from core.api import Ctx, _
from core.api.cli import FORMAT_OPTION, cli, emit_rows, handles_domain_errors, runtime

BRAND_OPTION = click.option("--brand", "brand_code", required=True, help="Brand code.")
LOCALES = click.Choice(["zh_Hans_CN", "zh_Hant_TW", "en"])


class _Bar:
    """A click progress bar behind the documents' Progress protocol."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=max(total, 1), label=self.label, file=None)
        self.bar.__enter__()

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextmanager
def _ctx(brand_code: str, locale: str | None = None) -> Iterator[Ctx]:
    """A context for the brand whose session is closed when the command ends."""
    ctx = runtime().ctx(brand_code, user=_user(), locale=locale)
    try:
        yield ctx
    finally:
        ctx.session.close()


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "cli"


@click.group("compliance")
def compliance_group() -> None:
    """Compliance rules, checks and settings."""


@compliance_group.command("check")
@BRAND_OPTION
@click.option("--period", required=True, help="Month, YYYY-MM.")
@FORMAT_OPTION
@handles_domain_errors
def check_cmd(brand_code: str, period: str, fmt: str) -> None:
    """Run every rule's check for a month and print the summary."""
    from plugins.compliance.services import parse_period, run_checks

    with _ctx(brand_code) as ctx:
        results = run_checks(ctx, parse_period(ctx, period))
    emit_rows(("rule", "status", "checked", "failed", "title"),
              [(r.rule_id, r.status, r.checked, r.failed, r.title) for r in results], fmt,
              labels={"status": "compliance.status"})


@compliance_group.command("set-mode")
@BRAND_OPTION
@click.argument("rule")
@click.argument("mode", type=click.Choice(["block", "warn"]))
@handles_domain_errors
def set_mode_cmd(brand_code: str, rule: str, mode: str) -> None:
    """Make RULE block or only warn for the brand."""
    from plugins.compliance.services import set_mode

    with _ctx(brand_code) as ctx:
        set_mode(ctx, rule.upper(), mode)
    click.echo(_("Rule %(rule)s now set to %(mode)s for brand %(brand)s.", rule=rule.upper(),
                 mode=mode, brand=brand_code))


@compliance_group.command("set-deposit")
@BRAND_OPTION
@click.argument("amount")
@handles_domain_errors
def set_deposit_cmd(brand_code: str, amount: str) -> None:
    """Record the deposit the brand holds (DS12)."""
    from plugins.compliance.services import set_deposit_held

    with _ctx(brand_code) as ctx:
        value = set_deposit_held(ctx, amount)
    click.echo(_("Deposit held recorded: %(amount)s.", amount=value))


@compliance_group.command("reports")
@BRAND_OPTION
@FORMAT_OPTION
@handles_domain_errors
def reports_cmd(brand_code: str, fmt: str) -> None:
    """List the register of generated reports."""
    from plugins.compliance.services import list_reports

    with _ctx(brand_code) as ctx:
        rows = [(r.id, r.kind, r.period, r.locale, r.generated_at, r.generated_by, r.pages,
                 r.sha256, r.file_name) for r in list_reports(ctx)]
    emit_rows(("id", "kind", "period", "locale", "generated_at", "generated_by", "pages",
               "sha256", "file_name"), rows, fmt,
              labels={"kind": "compliance.report_kind", "locale": "language"})


def _import_pay(file: Path, brand_code: str) -> None:
    from plugins.compliance.services import import_rep_pay

    with _ctx(brand_code) as ctx:
        result = import_rep_pay(ctx, file)
    click.echo(_("Rep pay imported: %(inserted)s new, %(updated)s updated, %(unchanged)s "
                 "unchanged.", inserted=result.inserted, updated=result.updated,
                 unchanged=result.unchanged))


@click.command("rep_pay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@BRAND_OPTION
@handles_domain_errors
def import_rep_pay_cmd(file: Path, brand_code: str) -> None:
    """Import rep pay (rep_ref,period,kind,amount); all or nothing, idempotent."""
    _import_pay(file, brand_code)


@compliance_group.command("import-pay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@BRAND_OPTION
@handles_domain_errors
def import_pay_cmd(file: Path, brand_code: str) -> None:
    """Import rep pay (rep_ref,period,kind,amount); same as ``import rep_pay``."""
    _import_pay(file, brand_code)


@click.group("report")
def report_group() -> None:
    """Printable reports (PDF)."""


def _report(kind: str, brand_code: str, period: str, out: Path, locale: str | None) -> None:
    from plugins.compliance.report.generate import (
        generate_compliance_report,
        generate_filing_pack,
    )

    bar = _Bar(_("Rendering"))
    fn = generate_compliance_report if kind == "compliance" else generate_filing_pack
    try:
        with _ctx(brand_code, locale) as ctx:
            record = fn(ctx, period, out, locale=locale, progress=bar)
    finally:
        bar.close()
    click.echo(_("Wrote %(file)s: %(pages)s pages, SHA-256 %(sha)s (register #%(id)s).",
                 file=str(out), pages=record.pages, sha=record.sha256, id=record.id))


@report_group.command("compliance")
@BRAND_OPTION
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--locale", type=LOCALES, default=None, help="Language (default: the brand's).")
@handles_domain_errors
def report_compliance_cmd(brand_code: str, period: str, out: Path, locale: str | None) -> None:
    """The monthly compliance report of a brand."""
    _report("compliance", brand_code, period, out, locale)


@report_group.command("filing")
@BRAND_OPTION
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--locale", type=LOCALES, default=None, help="Language (default: the brand's).")
@handles_domain_errors
def report_filing_cmd(brand_code: str, period: str, out: Path, locale: str | None) -> None:
    """The DS11 monthly filing pack of a brand."""
    _report("filing", brand_code, period, out, locale)


@report_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@BRAND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_domain_errors
def report_verify_cmd(file: Path, brand_code: str, as_json: bool) -> None:
    """Check a printed report against the register (SHA-256 of the file)."""
    from plugins.compliance.services import verify_report

    with _ctx(brand_code) as ctx:
        r = verify_report(ctx, file)
    if as_json:
        click.echo(json.dumps({"id": r.id, "kind": r.kind, "period": r.period,
                               "sha256": r.sha256, "generated_at": r.generated_at.isoformat(),
                               "generated_by": r.generated_by}, ensure_ascii=False))
        return
    click.echo(_("Verified: register #%(id)s, %(kind)s report for %(period)s, generated "
                 "%(at)s by %(user)s.", id=r.id, kind=r.kind, period=r.period,
                 at=r.generated_at.isoformat(), user=r.generated_by))


def commands() -> list[click.Command]:
    """Commands for the root CLI. Subcommands join existing core groups (``import``,
    ``report``) when the core has them; otherwise the groups are contributed here."""
    out: list[click.Command] = [compliance_group]
    existing_report = cli.commands.get("report")
    if isinstance(existing_report, click.Group) and existing_report is not report_group:
        for name, command in report_group.commands.items():
            existing_report.commands.setdefault(name, command)
    else:
        out.append(report_group)
    existing_import = cli.commands.get("import")
    if isinstance(existing_import, click.Group):
        existing_import.commands.setdefault("rep_pay", import_rep_pay_cmd)
    return out


