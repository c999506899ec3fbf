"""Error pages in the product's look (and JSON under ``/api``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from core.i18n import gettext_core as _


def init_app(app: Flask) -> None:
    """404 and 403 pages: another brand's or rep's record is simply 'not found'."""

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return jsonify(message=exc.description or exc.name), exc.code
        messages = {
            404: (_("Not found"), _("This page does not exist, or it is not in your brand.")),
            403: (_("Not allowed"), _("Your role does not give access to this page.")),
        }
        title, hint = messages[exc.code or 404]
        return render_template("crm/error.html", code=exc.code, message=title, hint=hint,
                               title=title, appbuilder=app.appbuilder), exc.code

    app.register_error_handler(404, handle)
    app.register_error_handler(403, handle)
