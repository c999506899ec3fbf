"""Error pages in the product's look (and JSON under ``/api``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, jsonify, render_template, request
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

    def too_many(exc: HTTPException) -> Any:
        # Flask-Limiter's refusal: the product's body, JSON under /api, with Retry-After.
        response = exc.get_response()
        wait = response.headers.get("Retry-After", "60")
        out = too_many_attempts(int(wait) if str(wait).isdigit() else 60,
                                _("Too many requests. Try again in %(n)s seconds."))
        for header, value in response.headers.items():
            if header.lower().startswith(("x-ratelimit", "retry-after")):
                out.headers[header] = value
        return out

    app.register_error_handler(429, too_many)
    app.register_error_handler(404, handle)
    app.register_error_handler(403, handle)
    app.register_error_handler(400, handle)


def too_many_attempts(wait_seconds: int, template: str | None = None) -> Any:
    """429 (a login over its limit by default): JSON under ``/api``, the product's page
    otherwise, with ``Retry-After``."""
    message = (template % {"n": wait_seconds} if template else
               _("Too many failed logins. Try again in %(n)s seconds.", n=wait_seconds))
    if request.path.startswith("/api/"):
        response = jsonify(message=message, error="too_many_attempts")
    else:
        response = current_app.make_response(render_template(
            "crm/error.html", code=429, message=_("Too many attempts"), hint=message,
            title=_("Too many attempts"), appbuilder=current_app.appbuilder))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait_seconds)
    return response
