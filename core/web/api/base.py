"""Shared plumbing of the REST API: scoping, errors as JSON, pagination, OpenAPI docs.

Endpoints are FAB ``BaseApi`` methods under ``/api/v1/<resource>``, protected by JWT
(``POST /api/v1/security/login``), never the browser session, with the same ``can_read`` /
``can_write`` permissions and the same brand and rep scoping as the admin screens.
Errors never leak as a 500: a bad body is 400 (not JSON) or 422 (field errors), another
brand's or rep's record is 404, a refused business rule is 409/422 with its code.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import request
from flask_appbuilder.api import BaseApi

from core.errors import DomainError, NotFound, RuleViolation, ValidationFailed
from core.i18n import gettext_core as _
from core.schemas import nul_paths, strict_input
from core.services.browse import Page
from core.web import roles
from core.web.context import NoBrand
from core.web.errors import api_error, api_locale


def jsonable(value: Any) -> Any:
    """Decimal → string (exact money), datetimes → ISO 8601, enums → their value."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# Every answer an endpoint may give, declared in the OpenAPI document (the fuzz test
# checks that no answer falls outside it).
RESPONSES = (
    (200, "OK"), (201, "Created"), (400, "Not a JSON object, or a request the rule refuses"),
    (401, "No valid token"), (403, "The role does not allow it"),
    (404, "Not found in your brand"), (409, "A duplicate, or the record's state refuses it"),
    (422, "Field errors, or a compliance rule"), (429, "Too many requests (Retry-After)"),
)


def openapi(summary: str, *, query: Iterable[str] = (), paged: bool = False,
            body: bool = False, path: Iterable[str] = (), method: str | None = None
            ) -> Callable[[Any], Any]:
    """Give an endpoint the YAML docstring FAB turns into its OpenAPI operation
    (``method``: the HTTP verb, when the function's name is not a known one)."""

    def deco(fn: Any) -> Any:
        params = [("path", p, True) for p in path] + [("query", q, False) for q in query]
        if paged:
            params += [("query", "page", False), ("query", "page_size", False)]
        verb = method or _METHOD[fn.__name__]
        lines = [summary, "---", f"{verb}:", f"  summary: {json.dumps(summary)}"]
        if params:
            lines.append("  parameters:")
            for where, name, required in params:
                lines += [f"  - in: {where}", f"    name: {name}",
                          f"    required: {'true' if required else 'false'}",
                          "    schema:", "      type: string"]
        if body:
            lines += ["  requestBody:", "    required: true", "    content:",
                      "      application/json:", "        schema:", "          type: object"]
        lines += ["  responses:"]
        for code, text in RESPONSES:
            lines += [f"    {code}:", f"      description: {text}"]
        fn.__doc__ = "\n".join(lines)
        return fn

    return deco


_METHOD = {"get_list": "get", "get_one": "get", "post": "post", "put": "put",
           "pay": "post", "cancel": "post", "refund": "post", "complete": "post",
           "status": "post", "overdue": "get", "history": "get"}


# Refusals because of the record's current state (a duplicate ref, an order no longer
# pending): the request was fine, the resource was not in a state to accept it.
CONFLICT_CODES = frozenset({"duplicate", "likely_duplicate", "bad_status"})


def api_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into the API's one error body with a stable ``error`` code;
    inside, a body field no schema declares is refused (``Unknown field.``)."""

    @functools.wraps(fn)
    def wrapper(self: BaseApi, *args: Any, **kwargs: Any) -> Any:
        try:
            with strict_input():
                return fn(self, *args, **kwargs)
        except ValidationFailed as exc:
            return api_error(422, exc.code, _("The input is not valid."), exc.errors)
        except NotFound as exc:
            return api_error(404, exc.code, exc.message)
        except RuleViolation as exc:
            return api_error(422, exc.code, exc.message, rule=exc.rule_id)
        except DomainError as exc:
            return api_error(409 if exc.code in CONFLICT_CODES else 400, exc.code,
                             exc.message)
        except NoBrand:
            return api_error(403, "no_brand", _("Your account is not linked to a brand."))

    return wrapper


MAX_PAGE = 100_000


class ApiErrors:
    """FAB's own answers (``protect``: no token, a role without the permission; the
    login's refusals) in the API's one error body and the caller's language."""

    def response_400(self, message: Any = None) -> Any:
        """400 in the API's error body (a dict message holds field errors)."""
        api_locale()
        if isinstance(message, Mapping):
            return api_error(400, errors=_field_errors(message))
        return api_error(400)

    def response_401(self) -> Any:
        """401: no valid token."""
        api_locale()
        return api_error(401)

    def response_403(self) -> Any:
        """403: the role does not allow it."""
        api_locale()
        return api_error(403)

    def response_404(self) -> Any:
        """404 in the API's error body."""
        api_locale()
        return api_error(404)

    def response_422(self, message: Any = None) -> Any:
        """422 in the API's error body."""
        api_locale()
        if isinstance(message, Mapping):
            return api_error(422, errors=_field_errors(message))
        return api_error(422)

    def response_500(self, message: Any = None) -> Any:
        """500 in the API's error body (never the exception's text)."""
        api_locale()
        return api_error(500)


def _field_errors(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    from core.schemas import flatten_errors

    return flatten_errors(messages)


class CrmApi(ApiErrors, BaseApi):
    """A directcrm REST resource."""

    version = "v1"
    # JWT only: FAB's REST APIs are CSRF-exempt, so the browser's session cookie must not
    # authenticate them (a forged cross-site request would otherwise act as the user).
    allow_browser_login = False
    base_permissions = [roles.READ, roles.WRITE]
    method_permission_name = {"get_list": "read", "get_one": "read", "post": "write",
                              "put": "write", "pay": "write", "cancel": "write",
                              "refund": "write", "complete": "write", "status": "write",
                              "history": "read"}

    def json_body(self) -> dict[str, Any]:
        """The request's JSON object, or a ValidationFailed naming the problem (also a NUL
        character in any text, which PostgreSQL cannot store)."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationFailed({"_schema": [_("The body must be a JSON object.")]})
        bad = sorted(nul_paths(data))
        if bad:
            raise ValidationFailed({f: [_("Must not contain NUL characters.")] for f in bad})
        return data

    def paging(self) -> tuple[int, int]:
        """``page`` (1-based, at most :data:`MAX_PAGE`) and ``page_size`` (1-100)."""
        errors: dict[str, list[str]] = {}
        values = []
        for name, default, top in (("page", 1, MAX_PAGE), ("page_size", 25, 100)):
            try:
                value = int(request.args.get(name, default))
            except ValueError:
                errors[name] = [_("Not a valid integer.")]
                continue
            if not 1 <= value <= top:
                errors[name] = [_("Must be between 1 and %(max)s.", max=top)]
            values.append(value)
        if errors:
            raise ValidationFailed(errors)
        return values[0], values[1]

    def page_response(self, result: Page[Any], item: Callable[[Any], dict[str, Any]]) -> Any:
        """A page of results as JSON."""
        return self.response(200, count=result.total, page=result.page,
                             page_size=result.per_page, pages=result.pages,
                             result=[jsonable(item(row)) for row in result.items])
