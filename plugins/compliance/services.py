"""Compliance services: run the checks, switch rule modes, import rep pay, keep the
register of generated reports and verify printed files against it.

Views, the CLI and the report renderer call these; none of them touches the tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from core.api import (
    ComplianceResult,
    Ctx,
    DomainError,
    NotFound,
    Rep,
    RowError,
    RowErrors,
    ValidationFailed,
    _,
    clean_row,
    get_setting,
    load_or_raise,
    record_audit,
    record_audit_bulk,
    ref_map,
    set_setting,
)
from plugins.compliance.checks import CHECKS
from plugins.compliance.checks.base import (
    NOT_APPLICABLE,
    Period,
    month_period,
    not_applicable,
)
from plugins.compliance.checks.pay import one_pay_collection
from plugins.compliance.models import ImportedRepPay, ReportRecord
from plugins.compliance.rules import (
    SETTINGS_SECTION,
    RulePack,
    brand_pack,
    check_mode_change,
)
from plugins.compliance.schemas import PeriodSchema, RepPayRowSchema

MODULE = "compliance"
PAY_COLUMNS = ("rep_ref", "period", "kind", "amount")


def require_enabled(ctx: Ctx) -> None:
    """Refuse when the brand has not enabled the compliance module."""
    if MODULE not in ctx.enabled_modules:
        raise DomainError(_("The compliance module is not enabled for brand %(brand)s.",
                            brand=ctx.brand.code if ctx.brand else "-"),
                          code="module_disabled")


def parse_period(ctx: Ctx, text: str) -> Period:
    """``YYYY-MM`` → the month in the brand's timezone (translated field error if bad)."""
    value = load_or_raise(PeriodSchema(), {"period": text})["period"]
    year, month = (int(p) for p in value.split("-"))
    return month_period(ctx, year, month)


def run_checks(ctx: Ctx, period: Period) -> list[ComplianceResult]:
    """Every rule of the brand's pack for the period, plus other modules' checks.

    A pack rule with no result (its module is not enabled, or the data does not exist in
    the core) is reported *not applicable* with the reason. Results of other modules for
    rules outside the pack come last.
    """
    require_enabled(ctx)
    with one_pay_collection():
        return _run_checks(ctx, period)


def _run_checks(ctx: Ctx, period: Period) -> list[ComplianceResult]:
    pack = brand_pack(ctx)
    results: dict[str, ComplianceResult] = {}
    for rule in pack.rules:
        in_force = rule.effective_from <= period.end and (
            rule.effective_to is None or rule.effective_to >= period.start)
        if not in_force:
            results[rule.id] = not_applicable(rule.id, _(rule.title), rule.source,
                                              _("not in force in this period"))
        elif rule.checked_by == MODULE and rule.id in CHECKS:
            results[rule.id] = CHECKS[rule.id](ctx, rule, period)
    extra: list[ComplianceResult] = []
    for batch in ctx.hooks.crm_compliance_checks(ctx=ctx, period_start=period.start,
                                                 period_end=period.end):
        for result in batch or []:
            if result.rule_id in results and results[result.rule_id].status != NOT_APPLICABLE:
                extra.append(result)
            elif pack.get(result.rule_id) is not None:
                results[result.rule_id] = result
            else:
                extra.append(result)
    ordered = []
    for rule in pack.rules:
        if rule.id not in results:
            reason = (_("module %(module)s not enabled", module=rule.checked_by)
                      if rule.checked_by != MODULE else _("no data for this check in the core"))
            results[rule.id] = not_applicable(rule.id, _(rule.title), rule.source, reason,
                                              module=rule.checked_by)
        ordered.append(results[rule.id])
    return ordered + extra


# -- settings ---------------------------------------------------------------------------


def set_mode(ctx: Ctx, rule_id: str, mode: str) -> dict[str, str]:
    """Switch a rule between ``block`` and ``warn`` for the brand; returns all overrides."""
    require_enabled(ctx)
    check_mode_change(ctx, rule_id, mode)
    modes = {**(get_setting(ctx, f"{SETTINGS_SECTION}.modes") or {}), rule_id: mode}
    return set_setting(ctx, f"{SETTINGS_SECTION}.modes", modes)


def set_deposit_held(ctx: Ctx, amount: str | Decimal) -> Decimal:
    """Record the deposit the brand holds (DS12), as a decimal string in the settings."""
    require_enabled(ctx)
    try:
        stored = set_setting(ctx, f"{SETTINGS_SECTION}.deposit_held", str(amount))
    except ValidationFailed as exc:
        raise ValidationFailed({"amount": next(iter(exc.errors.values()))}) from None
    return Decimal(stored)


# -- rep pay import ---------------------------------------------------------------------


@dataclass(frozen=True)
class PayImportResult:
    """How many rows were inserted, updated (new amount) and already present."""

    inserted: int
    updated: int
    unchanged: int


def import_rep_pay(ctx: Ctx, source: str | Path | Iterable[str],
                   source_name: str | None = None) -> PayImportResult:
    """Import ``rep_ref,period,kind,amount`` rows: all or nothing, every invalid row in
    :class:`RowErrors` (the ``rep_pay`` import kind: CLI and web import page).

    Idempotent on (rep, period, kind): the same file twice changes nothing; a row with a
    new amount for an existing key replaces it (the brand's figure is the truth).
    """
    require_enabled(ctx)
    if isinstance(source, (str, Path)):
        source_name = source_name or Path(source).name
        text = Path(source).read_text(encoding="utf-8-sig")
        lines: Iterable[str] = io.StringIO(text)
    else:
        lines = source
    reader = csv.DictReader(lines)
    missing = [c for c in PAY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed({"header": [_("Missing columns: %(columns)s.",
                                             columns=", ".join(missing))]})
    errors: list[RowError] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    schema = RepPayRowSchema()
    for line_no, raw in enumerate(reader, start=2):
        try:
            rows.append((line_no, load_or_raise(schema, clean_row(raw))))
        except ValidationFailed as exc:
            errors += [RowError(line_no, field, message)
                       for field, messages in exc.errors.items() for message in messages]
    reps = ref_map(ctx, Rep, {r["rep_ref"] for _n, r in rows})
    seen: dict[tuple[str, str, str], int] = {}
    for line_no, row in rows:
        if row["rep_ref"] not in reps:
            errors.append(RowError(line_no, "rep_ref", _("No rep with reference %(ref)s.",
                                                         ref=row["rep_ref"])))
        key = (row["rep_ref"], row["period"], row["kind"])
        if key in seen:
            errors.append(RowError(line_no, "kind", _(
                "Same rep, period and kind as line %(other)s.", other=seen[key])))
        seen.setdefault(key, line_no)
    if errors:
        raise RowErrors(errors)
    if not rows:
        return PayImportResult(0, 0, 0)
    return _write_pay(ctx, [r for _n, r in rows], reps, source_name)


def _write_pay(ctx: Ctx, rows: list[dict[str, Any]], reps: Mapping[str, int],
               source_name: str | None) -> PayImportResult:
    periods = sorted({r["period"] for r in rows})
    with ctx.write() as session:
        existing = {(rid, period, kind): (pid, amount) for pid, rid, period, kind, amount in
                    session.execute(select(ImportedRepPay.id, ImportedRepPay.rep_id,
                                           ImportedRepPay.period, ImportedRepPay.kind,
                                           ImportedRepPay.amount)
                                    .where(ImportedRepPay.brand_id == ctx.brand_id,
                                           ImportedRepPay.period.in_(periods)))}
        now = ctx.now()
        new, changed, same = [], [], 0
        for row in rows:
            key = (reps[row["rep_ref"]], row["period"], row["kind"])
            if key not in existing:
                new.append({"brand_id": ctx.brand_id, "rep_id": key[0], "period": key[1],
                            "kind": key[2], "amount": row["amount"], "imported_at": now,
                            "imported_by": ctx.user, "source_file": source_name})
            elif existing[key][1] != row["amount"]:
                changed.append({"pid": existing[key][0], "amount": row["amount"]})
            else:
                same += 1
        for i in range(0, len(new), 5000):
            session.execute(insert(ImportedRepPay), new[i:i + 5000])
        if new or changed:
            # Core statements bypass the ORM audit listener: one summary entry per import.
            record_audit_bulk(ctx, "import", record_type=ImportedRepPay.__tablename__,
                              count=len(new) + len(changed),
                              details={"file": source_name, "inserted": len(new),
                                       "updated": len(changed)})
        for item in changed:
            session.execute(update(ImportedRepPay).where(
                ImportedRepPay.id == item["pid"], ImportedRepPay.brand_id == ctx.brand_id)
                .values(amount=item["amount"], imported_at=now, imported_by=ctx.user,
                        source_file=source_name))
    return PayImportResult(inserted=len(new), updated=len(changed), unchanged=same)


# -- report register --------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def register_report(ctx: Ctx, path: str | Path, *, kind: str, period: Period, locale: str,
                    pack: RulePack, pages: int, parameters: Mapping[str, Any]) -> ReportRecord:
    """Record a generated PDF in the register (who, when, parameters, SHA-256)."""
    path = Path(path)
    digest = file_sha256(path)
    with ctx.write() as session:
        # The same data at the same instant gives the same bytes: one register entry.
        record = session.scalar(select(ReportRecord).where(
            ReportRecord.brand_id == ctx.brand_id, ReportRecord.sha256 == digest))
        if record is None:
            record = ReportRecord(brand_id=ctx.brand_id, kind=kind, period=period.label,
                                  locale=locale, profile=pack.profile,
                                  pack_version=pack.version, parameters=dict(parameters),
                                  sha256=digest, pages=pages, size_bytes=path.stat().st_size,
                                  file_name=path.name, generated_at=ctx.now(),
                                  generated_by=ctx.user)
            session.add(record)
            session.flush()
        _audit(ctx, record)
    return record


def _audit(ctx: Ctx, record: ReportRecord) -> None:
    """Write the generation of a report to the core audit log."""
    record_audit(ctx, "report_generated", record_type=ReportRecord.__tablename__,
                 record_id=record.id, details={"kind": record.kind, "period": record.period,
                                               "locale": record.locale,
                                               "sha256": record.sha256})


def verify_report(ctx: Ctx, path: str | Path) -> ReportRecord:
    """The register entry of this exact file, or NotFound (altered or not from here)."""
    require_enabled(ctx)
    digest = file_sha256(path)
    record = ctx.session.scalar(select(ReportRecord).where(
        ReportRecord.brand_id == ctx.brand_id, ReportRecord.sha256 == digest))
    if record is None:
        raise NotFound(_("%(file)s (SHA-256 %(sha)s) is not in the report register of brand "
                         "%(brand)s: it was altered or not generated here.",
                         file=Path(path).name, sha=digest, brand=ctx.brand.code))
    return record


def list_reports(ctx: Ctx, limit: int = 200) -> list[ReportRecord]:
    """The brand's register, newest first."""
    require_enabled(ctx)
    return list(ctx.session.scalars(select(ReportRecord)
                                    .where(ReportRecord.brand_id == ctx.brand_id)
                                    .order_by(ReportRecord.generated_at.desc(),
                                              ReportRecord.id.desc()).limit(limit)))


