"""Import CSV files in the web admin: upload a file of one import kind (the core's, or one
that a module the brand enabled declares with ``crm_import_kinds``); a background job runs
the same import as ``directcrm import`` and its page shows the progress, the per-line
errors and the rejects file."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import expose, has_access

from core.i18n import gettext_core as _
from core.importing.background import start_import
from core.importing.kinds import import_kinds, kind_text
from core.web import roles
from core.web.context import crm_ctx
from core.web.views.base import CrmView, not_found_on_missing
from core.web.views.jobs import redirect_to_job


class ImportView(CrmView):
    """``/imports/``: the upload form; a valid upload redirects to the job's page."""

    route_base = "/imports"
    class_permission_name = roles.IMPORTS
    default_view = "form"
    method_permission_name = {"form": "write"}

    @expose("/", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def form(self) -> Any:
        ctx = crm_ctx()
        available = import_kinds(ctx)
        errors: dict[str, list[str]] = {}
        values = {"kind": request.form.get("kind", "customers"),
                  "skip_invalid": request.form.get("skip_invalid") == "1"}
        if request.method == "POST":
            kind = values["kind"]
            upload = request.files.get("file")
            if kind not in available:
                errors["kind"] = [_("%(field)s: choose one of the listed kinds.",
                                    field=_("Kind"))]
            data = upload.read() if upload is not None else b""
            if not data:
                errors["file"] = [_("%(field)s: choose a CSV file to upload.",
                                    field=_("File"))]
            if not errors and upload is not None:
                job = start_import(ctx, kind, data, upload.filename or f"{kind}.csv",
                                   bool(values["skip_invalid"]))
                return redirect_to_job(job)
        kinds = [(k, kind_text(kind, kind.label)) for k, kind in available.items()]
        columns = [{"name": k.name, "label": kind_text(k, k.label),
                    "help": kind_text(k, k.help), "columns": k.columns,
                    "optional": k.optional} for k in available.values()]
        return self.page("crm/imports/form.html", kinds=kinds, values=values, errors=errors,
                         columns=columns, title=_("Import CSV"))
