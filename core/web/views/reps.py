"""Reps: list, the rep page (customers, tasks due, sales this month), create, status."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_appbuilder import expose, has_access

from core.analytics.figures import figures
from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Rep
from core.services import browse
from core.services.figures import rep_summary
from core.services.reps import (
    change_rep_status,
    create_rep,
    expiring_certificates,
    rep_status_history,
    update_rep,
)
from core.services.scoping import get_by_id
from core.services.settings import get_setting
from core.web import labels
from core.web.context import crm_ctx, rep_of_user
from core.web.views.base import CrmView, Field, not_found_on_missing
from core.web.views.insights import manages_brand

REP_FIELDS = [
    Field("rep_ref", N_("Rep ref"), required=True),
    Field("name", N_("Name"), required=True),
    Field("phone", N_("Phone")),
    Field("province", N_("Province")),
    Field("territory", N_("Territory")),
    Field("status", N_("Status"), "select", choices=lambda: labels.choices("rep_status")),
    Field("joined_on", N_("Joined on"), "date"),
    Field("certificate_no", N_("Certificate number")),
    Field("certificate_valid_until", N_("Certificate valid until"), "date"),
    Field("capacity", N_("Capacity (customers)"), "number"),
]

STATUS_FIELDS = [
    Field("status", N_("New status"), "select", required=True,
          choices=lambda: labels.choices("rep_status")),
    Field("effective_on", N_("Effective on"), "date"),
    Field("reason", N_("Reason"), "textarea"),
]


class RepView(CrmView):
    """The rep screens."""

    route_base = "/reps"
    class_permission_name = "Reps"
    method_permission_name = {**CrmView.method_permission_name, "status": "write",
                              "certificates": "read"}

    def _search(self, page: int, per_page: int = 25) -> Any:
        return browse.search_reps(crm_ctx(), q=request.args.get("q"),
                                  status=request.args.get("status"), page=page,
                                  per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted reps as CSV (a rep user: 404, as their list)."""
        if crm_ctx().acts_as_rep:
            abort(404)
        return self.csv_export("reps", [
            (N_("Rep no."), lambda r: r.rep_ref), (N_("Name"), lambda r: r.name),
            (N_("Status"), lambda r: labels.label("rep_status", r.status)),
            (N_("Province"), lambda r: r.province), (N_("Territory"), lambda r: r.territory),
            (N_("Joined"), lambda r: r.joined_on),
            (N_("Certificate no."), lambda r: r.certificate_no),
            (N_("Certificate valid until"), lambda r: r.certificate_valid_until)],
            self._search)

    @expose("/pick")
    @has_access
    @not_found_on_missing
    def pick(self) -> Any:
        """Suggestions for the rep picker of the forms (JSON)."""
        return self.suggestions("reps")

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        if ctx.acts_as_rep:  # a rep's "Reps" is their own page
            own = rep_of_user(ctx)
            if own is None:
                abort(404)
            return redirect(url_for(".show", pk=own.id))
        result = self._search(self.args_int("page"))
        return self.page("crm/reps/list.html", result=result,
                         statuses=labels.choices("rep_status"), title=_("Reps"))

    @expose("/certificates")
    @has_access
    @not_found_on_missing
    def certificates(self) -> Any:
        """Certificates expiring within the brand's warning window, or expired (a rep user:
        at most their own)."""
        ctx = crm_ctx()
        days = int(get_setting(ctx, "reps.certificate_warning_days"))
        today = ctx.local_today()
        rows = [(r, (r.certificate_valid_until - today).days)
                for r in expiring_certificates(ctx, days)]
        return self.page("crm/reps/certificates.html", rows=rows, days=days,
                         title=_("Certificates expiring"))

    @expose("/show/<int:pk>")
    @has_access
    @not_found_on_missing
    def show(self, pk: int) -> Any:
        ctx = crm_ctx()
        rep = get_by_id(ctx, Rep, pk)  # the row policy: a rep sees only their own
        sections = sorted((sec for secs in ctx.hooks.crm_rep_profile_sections(
            ctx=ctx, rep_id=rep.id) for sec in (secs or ())), key=lambda s: (s.order, s.key))
        return self.page("crm/reps/show.html", s=rep_summary(ctx, rep), title=rep.name,
                         figures=figures(ctx, rep.rep_ref), can_offboard=manages_brand(self),
                         history=rep_status_history(ctx, rep.rep_ref), sections=sections)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        return self.save(REP_FIELDS, lambda data: create_rep(ctx, data), "crm/form.html",
                         lambda r: url_for(".show", pk=r.id), _("New rep"),
                         {"status": "applicant"}, back=url_for(".list"))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self, pk: int) -> Any:
        ctx = crm_ctx()
        rep = get_by_id(ctx, Rep, pk)
        fields = [f for f in REP_FIELDS if f.name not in ("rep_ref", "status")]
        values = {f.name: "" if getattr(rep, f.name) is None else str(getattr(rep, f.name))
                  for f in fields if f.name != "phone"}
        ref = rep.rep_ref
        return self.save(fields, lambda data: update_rep(ctx, ref, data), "crm/form.html",
                         lambda r: url_for(".show", pk=r.id), _("Edit %(name)s", name=rep.name),
                         values, back=url_for(".show", pk=pk))

    @expose("/status/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def status(self, pk: int) -> Any:
        ctx = crm_ctx()
        rep = get_by_id(ctx, Rep, pk)

        def act(data: dict[str, Any]) -> Rep:
            from core.schemas import load_or_raise
            from core.web.forms import StatusChangeSchema

            values = load_or_raise(StatusChangeSchema(), data)
            return change_rep_status(ctx, rep.rep_ref, values["status"],
                                     values.get("effective_on"), values.get("reason"))

        return self.save(STATUS_FIELDS, act, "crm/form.html", lambda r: url_for(".show", pk=r.id),
                         _("Change status of %(name)s", name=rep.name),
                         {"status": rep.status.value}, back=url_for(".show", pk=pk))
