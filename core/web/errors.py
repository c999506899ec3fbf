"""Error pages in the product's look, and under ``/api`` one JSON error body everywhere.

Every API error, whoever answers it (an endpoint, FAB's ``protect``, the JWT layer, the
login, the rate limiter, routing), has the same shape::

    {"error": "validation_failed", "message": "The input is not valid.",
     "errors": {"lines.0.quantity": ["Must be at least 1."]}}

``error`` is a stable code for scripts, ``message`` a sentence in the caller's language
(``Accept-Language``, else the user's, else the brand's), ``errors`` the field errors
(``{}`` when the error is not about fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from core.i18n import N_, set_locale
from core.i18n import gettext_core as _

#: The code and message of each HTTP error when nothing more specific is known.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request cannot be read.")),
    401: ("unauthorized", N_("Log in first: send a valid access token (Authorization: "
                             "Bearer ...).")),
    403: ("forbidden", N_("Your role does not allow this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    422: ("validation_failed", N_("The input is not valid.")),
    429: ("too_many_requests", N_("Too many requests.")),
    500: ("server_error", N_("Something went wrong on our side; nothing was saved.")),
}


def api_locale() -> None:
    """Translate what follows in the caller's language (the user may be known only now,
    after the token was read)."""
    from core.web.context import select_locale

    set_locale(select_locale())


def api_error(status: int, code: str | None = None, message: str | None = None,
              errors: Mapping[str, Sequence[str]] | None = None, **extra: Any) -> Response:
    """The API's one error body (``message`` already translated; None: the status's)."""
    default_code, default_message = HTTP_ERRORS.get(status, ("error", ""))
    body = {"error": code or default_code,
            "message": message if message is not None else _(default_message),
            "errors": {k: list(v) for k, v in (errors or {}).items()}, **extra}
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """404 and 403 pages: another brand's or rep's record is simply 'not found'."""

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            api_locale()
            response = api_error(exc.code or 500)
            if exc.code == 405 and "Allow" in exc.get_response().headers:
                response.headers["Allow"] = exc.get_response().headers["Allow"]
            return response
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
    app.register_error_handler(405, _api_only(handle))
    app.register_error_handler(500, _api_only(handle))


def _api_only(handler: Any) -> Any:
    """``handler`` under ``/api``; elsewhere the exception's default page."""

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return handler(exc)
        return exc

    return handle


def too_many_attempts(wait_seconds: int, template: str | None = None) -> Any:
    """429 (a login over its limit by default): JSON under ``/api``, the product's page
    otherwise, with ``Retry-After``."""
    message = (template % {"n": wait_seconds} if template else
               _("Too many failed logins. Try again in %(n)s seconds.", n=wait_seconds))
    if request.path.startswith("/api/"):
        response = api_error(429, "too_many_attempts", message)
    else:
        response = current_app.make_response(render_template(
            "crm/error.html", code=429, message=_("Too many attempts"), hint=message,
            title=_("Too many attempts"), appbuilder=current_app.appbuilder))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait_seconds)
    return response
