"""The "Jobs" page: the brand's background jobs (a rep's own), one job's progress with a
download when it is done, and the redirect that modules use after enqueueing."""

from __future__ import annotations

from typing import Any

from flask import Response, g, redirect, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.jobqueue.services import JobInfo, get_job, list_jobs, read_result, status_label
from core.web import roles
from core.web.context import crm_ctx
from core.web.views.base import CrmView, not_found_on_missing

#: Labels of the parameters and summary fields that core jobs use (others show as is).
SUMMARY_LABELS = {
    "period": N_("Period"), "locale": N_("Language"), "kind": N_("Kind"), "file": N_("File"),
    "skip_invalid": N_("Rejects file"), "rows_read": N_("Rows read"),
    "imported": N_("Imported"), "skipped": N_("Skipped (already there)"),
    "rejected": N_("Rejected"), "records": N_("Records"),
    "ignored_columns": N_("Ignored columns"), "errors_total": N_("Invalid rows"),
    "warnings_total": N_("Warnings"), "as_of": N_("As of"), "customers": N_("Customers"),
    "changes": N_("Segment changes"),
}


#: Each language by its own name (as on the language switch).
LANGUAGE_NAMES = {"en": "English", "zh_Hans_CN": "简体中文", "zh_Hant_TW": "繁體中文"}


def param_value(key: str, value: Any) -> Any:
    """A parameter as people read it: yes/no, an import kind's name."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "locale":
        return LANGUAGE_NAMES.get(value, value)
    if key == "kind":
        return _kind_labels().get(value, value)
    return value


def _kind_labels() -> dict[str, str]:
    """The brand's import kinds' labels (the core's and its modules'), once a request."""
    labels = getattr(g, "crm_import_kind_labels", None)
    if labels is None:
        from core.importing.kinds import import_kinds, kind_text

        labels = g.crm_import_kind_labels = {
            k: kind_text(kind, kind.label) for k, kind in import_kinds(crm_ctx()).items()}
    return labels


def item_label(job: JobInfo, key: str, item: str) -> str:
    """A key inside a summary field, in the user's language: the records an import wrote
    (as its kind names them), the schemes of a segment recompute."""
    if key == "records":
        from core.importing.kinds import import_kinds, kind_text

        kind = import_kinds(crm_ctx()).get(str(job.params.get("kind")))
        if kind is not None and item in (kind.record_labels or {}):
            return kind_text(kind, (kind.record_labels or {})[item])
    if key == "changes":
        from core.labels import label

        return label("segment_scheme", item)
    return item


def summary_label(key: str) -> str:
    """A parameter or summary field's label in the user's language."""
    return _(SUMMARY_LABELS[key]) if key in SUMMARY_LABELS else key


#: Seconds between two reloads of an unfinished job's page (a meta refresh: no script).
REFRESH_SECONDS = 2


def redirect_to_job(job: JobInfo) -> Any:
    """The answer to a request that queued ``job``: its page, which shows the progress and
    offers the result when done."""
    return redirect(url_for("JobView.show", pk=job.id))


class JobView(CrmView):
    """``/jobs/``: list, ``/jobs/<id>`` (progress, error, result), ``/jobs/<id>/download``."""

    route_base = "/jobs"
    class_permission_name = roles.JOBS
    base_permissions = [roles.READ]
    method_permission_name = {"list": "read", "show": "read", "download": "read"}

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        jobs = list_jobs(ctx, limit=200)
        return self.page("crm/jobs/list.html", jobs=jobs, status_label=status_label,
                         param_value=param_value,
                         title=_("Jobs"))

    @expose("/<int:pk>")
    @has_access
    @not_found_on_missing
    def show(self, pk: int) -> Any:
        job = get_job(crm_ctx(), pk)
        return self.page("crm/jobs/show.html", job=job, status_label=status_label,
                         summary_label=summary_label, param_value=param_value,
                         item_label=item_label,
                         refresh=None if job.finished else REFRESH_SECONDS,
                         title=job.title)

    @expose("/<int:pk>/download")
    @has_access
    @not_found_on_missing
    def download(self, pk: int) -> Any:
        data, name, mimetype = read_result(crm_ctx(), pk)
        response = Response(data, mimetype=mimetype)
        response.headers.set("Content-Disposition", "attachment", filename=name)
        return response
