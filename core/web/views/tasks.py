"""Tasks: follow-ups with a due time; reps see their own."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Customer, Rep
from core.services import browse
from core.services.activities import complete_task, create_task, get_task, update_task
from core.web import labels
from core.web.context import as_own_rep, crm_ctx
from core.web.views.base import (
    CrmView,
    Field,
    blanks_for_required,
    name_and_ref,
    not_found_on_missing,
)

FIELDS = [
    Field("title", N_("Title"), required=True),
    Field("due_at", N_("Due at"), "datetime", required=True),
    Field("customer_ref", N_("Customer"), "picker", picker="CustomerView.pick"),
    Field("rep_ref", N_("Owner"), "picker", picker="RepView.pick",
          help=N_("Defaults to the customer's rep.")),
]

EDIT_FIELDS = [f for f in FIELDS if f.name != "customer_ref"]


class TaskView(CrmView):
    """The task screens."""

    route_base = "/tasks"
    class_permission_name = "Tasks"
    method_permission_name = {**CrmView.method_permission_name, "complete": "write"}

    def _search(self, page: int, per_page: int = 25) -> Any:
        return browse.search_tasks(crm_ctx(), q=request.args.get("q"),
                                   status=request.args.get("status", "open") or None,
                                   overdue=request.args.get("overdue") == "1",
                                   rep_ref=request.args.get("rep"), page=page,
                                   per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted tasks as CSV (open ones unless another status is asked)."""
        ctx = crm_ctx()
        return self.csv_export("tasks", [
            (N_("Task"), lambda t: labels.stored_text(t.title)),
            (N_("Customer"), lambda t: name_and_ref(ctx, Customer, t.customer_id,
                                                    "customer_ref")),
            (N_("Rep"), lambda t: name_and_ref(ctx, Rep, t.rep_id, "rep_ref")),
            (N_("Due at"), lambda t: t.due_at),
            (N_("Status"), lambda t: labels.label("task_status", t.status))], self._search)

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        result = self._search(self.args_int("page"))
        return self.page("crm/tasks/list.html", result=result, now=ctx.now(),
                         statuses=labels.choices("task_status"),
                         title=_("Tasks"))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        return self.save(FIELDS, lambda data: create_task(ctx, as_own_rep(ctx, data)),
                         "crm/form.html",
                         lambda t: url_for(".list"), _("New task"),
                         {"customer_ref": request.args.get("customer", "")},
                         back=url_for(".list"))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self, pk: int) -> Any:
        ctx = crm_ctx()
        task = get_task(ctx, pk)
        rep = ctx.session.get(Rep, task.rep_id) if task.rep_id else None
        values = {"title": task.title,
                  "due_at": task.due_at.astimezone(ctx.tz).strftime("%Y-%m-%dT%H:%M"),
                  "rep_ref": rep.rep_ref if rep else ""}
        return self.save(EDIT_FIELDS, lambda data: update_task(
                             ctx, pk, as_own_rep(ctx, blanks_for_required(EDIT_FIELDS, data))),
                         "crm/form.html", lambda t: url_for(".list"),
                         _("Edit %(name)s", name=task.title), values,
                         back=url_for(".list"))

    @expose("/complete/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def complete(self, pk: int) -> Any:
        task = complete_task(crm_ctx(), pk)
        flash(_("Task done: %(title)s", title=task.title), "success")
        return redirect(request.referrer or url_for(".list"))
