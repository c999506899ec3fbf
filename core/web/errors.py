"""Error pages in the product's look (and JSON under ``/api``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, render_template, request
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
            400: (_("Bad request"), _("The address or the form holds something that cannot "
                                      "be read (e.g. a NUL character).")),
        }
        title, hint = messages[exc.code or 404]
        return render_template("crm/error.html", code=exc.code, message=title, hint=hint,
                               title=title, appbuilder=app.appbuilder), exc.code

    @app.before_request
    def _refuse_nul() -> None:
        # PostgreSQL cannot store or compare a text with a NUL: refuse it at the door.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            abort(400, description=_("The request contains a NUL character."))

    app.register_error_handler(404, handle)
    app.register_error_handler(403, handle)
    app.register_error_handler(400, handle)
