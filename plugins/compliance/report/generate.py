"""Generate, register and return the compliance PDFs (called by the CLI and the web)."""

from __future__ import annotations

from pathlib import Path

from core.api import Ctx, _, normalise_locale, use_locale
from plugins.compliance.checks.filing import FILING_KIND
from plugins.compliance.checks.pay import one_pay_collection
from plugins.compliance.models import ReportRecord
from plugins.compliance.report.documents import (
    CoverInfo,
    Progress,
    compliance_blocks,
    filing_blocks,
)
from plugins.compliance.report.formatting import Formatter
from plugins.compliance.report.pdf import ROW_BUDGET, DocMeta, environment, render
from plugins.compliance.rules import brand_pack
from plugins.compliance.services import (
    parse_period,
    register_report,
    require_enabled,
    run_checks,
)

COMPLIANCE_KIND = "compliance"


def _setup(ctx: Ctx, period_text: str, locale: str | None):
    require_enabled(ctx)
    assert ctx.brand is not None
    locale = normalise_locale(locale or ctx.brand.default_locale)
    period = parse_period(ctx, period_text)
    fmt = Formatter(locale, ctx.brand.currency, ctx.tz)
    info = CoverInfo(brand_name=ctx.brand.name, brand_code=ctx.brand.code, period=period,
                     pack=brand_pack(ctx), generated_at=ctx.now(), generated_by=ctx.user)
    return locale, period, fmt, info


def _meta(ctx: Ctx, info: CoverInfo, title: str, locale: str, fmt: Formatter) -> DocMeta:
    footer = _("Generated %(at)s by %(user)s · directcrm · profile %(profile)s %(version)s",
               at=fmt(info.generated_at), user=info.generated_by, profile=info.pack.profile,
               version=info.pack.version)
    return DocMeta(locale=locale, title=title, brand=f"{info.brand_name} ({info.brand_code})",
                   period=info.period.label, footer=footer, author=info.generated_by)


def generate_compliance_report(ctx: Ctx, period_text: str, out: str | Path,
                               locale: str | None = None, progress: Progress | None = None,
                               row_budget: int = ROW_BUDGET) -> ReportRecord:
    """Run every check for the period and write the compliance report PDF to ``out``."""
    out = Path(out)
    with use_locale(locale or (ctx.brand.default_locale if ctx.brand else None)):
        locale, period, fmt, info = _setup(ctx, period_text, locale)
        results = run_checks(ctx, period)
        if progress is not None:
            progress.start(sum(len(r.records) for r in results) + len(results) + 30)
        meta = _meta(ctx, info, _("Compliance report"), locale, fmt)
        pages = render(compliance_blocks(info, results, fmt, budget=row_budget), out, meta,
                       environment(fmt), progress=progress.update if progress else None,
                       row_budget=row_budget)
        ctx.session.rollback()  # end the read transaction before registering
        return register_report(ctx, out, kind=COMPLIANCE_KIND, period=period, locale=locale,
                               pack=info.pack, pages=pages, parameters={
                                   "period": period.label, "locale": locale,
                                   "statuses": {r.rule_id: r.status for r in results}})


def generate_filing_pack(ctx: Ctx, period_text: str, out: str | Path,
                         locale: str | None = None, progress: Progress | None = None,
                         row_budget: int = ROW_BUDGET) -> ReportRecord:
    """Write the DS11 monthly filing pack PDF to ``out`` (registered as kind ``filing``)."""
    out = Path(out)
    with use_locale(locale or (ctx.brand.default_locale if ctx.brand else None)):
        locale, period, fmt, info = _setup(ctx, period_text, locale)
        rule = info.pack.get("DS11")
        filing_day = int(rule.parameters.get("filing_day", 15)) if rule else 15
        meta = _meta(ctx, info, _("Monthly filing pack"), locale, fmt)
        with one_pay_collection():
            pages = render(filing_blocks(ctx, info, fmt, filing_day, progress,
                                         budget=row_budget),
                           out, meta, environment(fmt), row_budget=row_budget)
        ctx.session.rollback()
        return register_report(ctx, out, kind=FILING_KIND, period=period, locale=locale,
                               pack=info.pack, pages=pages,
                               parameters={"period": period.label, "locale": locale})
