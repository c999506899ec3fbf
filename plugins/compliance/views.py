"""The compliance page: this month's rule statuses, the register of generated reports, and
buttons that ask for the compliance report and the filing pack as PDF (rendered by a
background job; the button leads to the job's page)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access

from core.api import ValidationFailed, _, enqueue
from core.api.web import CrmView, crm_ctx, not_found_on_missing, redirect_to_job
from plugins.compliance.background import FILING_JOB, REPORT_JOB
from plugins.compliance.rule_texts import source_text
from plugins.compliance.services import list_reports, parse_period, run_checks

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _last_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


class ComplianceView(CrmView):
    """``/compliance/``: statuses, register, PDF downloads."""

    route_base = "/compliance"
    class_permission_name = "Compliance"
    default_view = "index"
    template_folder = str(TEMPLATES)
    method_permission_name = {"index": "read", "download": "read"}

    @expose("/")
    @has_access
    @not_found_on_missing
    def index(self) -> Any:
        ctx = crm_ctx()
        period = request.args.get("period") or _last_month(ctx.local_today())
        results = []
        try:
            results = run_checks(ctx, parse_period(ctx, period))
        except ValidationFailed as exc:
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        return self.page("compliance/index.html", results=results, period=period,
                         source_text=source_text,
                         reports=list_reports(ctx, 50), title=_("Compliance"))

    @expose("/download")
    @has_access
    @not_found_on_missing
    def download(self) -> Any:
        """Queue the PDF (the compliance report, or with ``kind=filing`` the filing pack)
        and answer at once with the job's page: a worker renders it, the page shows the
        progress and offers the download."""
        ctx = crm_ctx()
        filing = request.args.get("kind") == "filing"
        period = request.args.get("period") or _last_month(ctx.local_today())
        try:
            parse_period(ctx, period)  # a bad period is refused now, naming the field
        except ValidationFailed as exc:
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
            return redirect(url_for("ComplianceView.index"))
        job = enqueue(ctx, FILING_JOB if filing else REPORT_JOB,
                      {"period": period, "locale": ctx.locale})
        return redirect_to_job(job)
