"""Shared plumbing of the REST API: scoping, errors as JSON, pagination, OpenAPI docs.

Endpoints are FAB ``BaseApi`` methods under ``/api/v1/<resource>``, protected by JWT
(``POST /api/v1/security/login``), never the browser session, with the same ``can_read`` /
``can_write`` permissions and the same brand and rep scoping as the admin screens.
Errors never leak as a 500: a bad body is 400 (not JSON) or 422 (field errors), another
brand's or rep's record is 404, a refused business rule is 409/422 with its code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
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


# The error answers every operation may give, declared in the OpenAPI document with the
# error body (the fuzz test checks that no answer falls outside them). Writes add 409.
ERROR_RESPONSES: tuple[tuple[int, str], ...] = (
    (400, "The request cannot be read (not a JSON object, a NUL character), or a rule "
          "refuses it"),
    (401, "No valid access token"), (403, "The role does not allow it"),
    (404, "Not found in your brand (or the module is not enabled)"),
    (422, "Field errors (`errors` names each field), or a compliance rule (`rule`)"),
    (429, "Too many requests (see Retry-After)"),
)
CONFLICT_RESPONSE = (409, "A duplicate, or the record's state refuses it")

#: ``query={"name": TYPE}`` shorthands (any other value is taken as a JSON Schema).
QUERY_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}

PAGE_PARAMS = (
    {"in": "query", "name": "page", "required": False,
     "description": "Page number, from 1",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1}},
    {"in": "query", "name": "page_size", "required": False,
     "description": "Rows per page (1-100; more answers 422)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
)


#: The largest record id (a 32-bit key): a bigger one in a path is simply not found.
MAX_ID = 2**31 - 1


def _param_schema(kind: Any, where: str = "query") -> dict[str, Any]:
    if isinstance(kind, str):
        schema = dict(QUERY_TYPES[kind])
        if kind == "integer" and where == "path":
            schema.update(minimum=1, maximum=MAX_ID)
        return schema
    return dict(kind)


def _params(where: str, names: Any, required: bool) -> list[dict[str, Any]]:
    items = names.items() if isinstance(names, Mapping) else ((n, "string") for n in names)
    return [{"in": where, "name": name, "required": required,
             "schema": _param_schema(kind, where)} for name, kind in items]


def openapi(summary: str, *, query: Iterable[str] | Mapping[str, Any] = (),
            paged: bool = False, body: Any = False,
            path: Iterable[str] | Mapping[str, Any] = (), method: str | None = None,
            response: Any = None, many: bool = False, status: int | Iterable[int] | None = None,
            envelope: Mapping[str, Any] | None = None, produces: str | None = None,
            description: str | None = None, body_required: bool = True
            ) -> Callable[[Any], Any]:
    """Describe an endpoint in the OpenAPI document (``/api/v1/_openapi``).

    - ``path`` / ``query``: parameter names (text), or ``{name: type}`` with a type among
      ``string``, ``integer``, ``boolean``, ``date``, ``date-time`` or a JSON Schema dict;
      ``paged=True`` adds ``page`` and ``page_size`` (integers, 1-100) and wraps the
      answer in the page envelope (``count``, ``page``, ``page_size``, ``pages``,
      ``result``).
    - ``body``: the marshmallow schema (class or instance, e.g. ``MySchema(partial=True)``)
      of the JSON request body; ``True`` for a free JSON object (``body_required=False``:
      the body may be left out).
    - ``response``: the marshmallow schema (or a JSON Schema dict) of ``result`` in the
      answer ``{"result": ...}``; ``many=True`` when ``result`` is a list; ``envelope``
      adds other top-level keys (``{"count": "integer"}``).
    - ``status``: the success status(es) (default 201 for a ``post`` with a body, else
      200); ``produces``: a non-JSON success content type (a file download).
    - ``method``: the HTTP verb, when the function's name is not a known one.

    Every operation also declares 400, 401, 403, 404, 422 and 429 (and 409 for writes)
    with the API's error body.
    """

    def deco(fn: Any) -> Any:
        verb = method or _METHOD[fn.__name__]
        fn.__doc__ = f"{summary}\n---\n{verb}:\n  summary: {json.dumps(summary)}\n"
        fn._crm_openapi = (verb, functools.partial(
            _operation, summary, query=query, paged=paged, body=body, path=path, verb=verb,
            response=response, many=many, status=status, envelope=envelope,
            produces=produces, description=description, body_required=body_required))
        return fn

    return deco


def _operation(summary: str, *, query: Any, paged: bool, body: Any, path: Any, verb: str,
               response: Any, many: bool, status: Any, envelope: Any, produces: Any,
               description: Any, body_required: bool) -> dict[str, Any]:
    """A fresh operation object (apispec resolves the schemas in it, in place)."""
    op: dict[str, Any] = {"summary": summary}
    if description:
        op["description"] = description
    params = _params("path", path, True) + _params("query", query, False)
    if paged:
        params += [json.loads(json.dumps(p)) for p in PAGE_PARAMS]
    if params:
        op["parameters"] = params
    if body is not False and body is not None:
        schema = {"type": "object"} if body is True else body
        op["requestBody"] = {"required": body_required,
                             "content": {"application/json": {"schema": schema}}}
    if status is None:
        codes = [201 if verb == "post" and body not in (False, None) else 200]
    elif isinstance(status, int):
        codes = [status]
    else:
        codes = list(status)
    if produces:
        content = {produces: {"schema": {"type": "string", "format": "binary"}}}
    else:
        content = {"application/json": {"schema": _answer(response, many, paged, envelope)}}
    responses: dict[str, Any] = {str(c): {"description": "OK" if c == 200 else "Created",
                                          "content": content} for c in codes}
    errors = list(ERROR_RESPONSES)
    if verb != "get":
        errors.append(CONFLICT_RESPONSE)
    for code, text in sorted(errors):
        responses[str(code)] = {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": _error_example(code)}}}
    op["responses"] = responses
    return op


def _error_example(status: int) -> dict[str, Any]:
    """An error body of ``status`` as the API answers it in English."""
    from core.web.errors import HTTP_ERRORS

    code, message = HTTP_ERRORS.get(status, ("duplicate",
                                             "A customer with customer_ref C1 already exists."))
    errors = {"name": ["Missing data for required field."]} if status == 422 else {}
    return {"error": code, "message": message, "errors": errors}


def _answer(response: Any, many: bool, paged: bool, envelope: Any) -> dict[str, Any]:
    """The JSON Schema of a success answer: ``result`` in its envelope."""
    item = {"type": "object"} if response is None else response
    result = {"type": "array", "items": item} if (many or paged) else item
    props: dict[str, Any] = {"result": result}
    required = ["result"]
    if paged:
        for key in ("count", "page", "page_size", "pages"):
            props[key] = {"type": "integer", "minimum": 0}
        required += ["count", "page", "page_size", "pages"]
    for key, kind in (envelope or {}).items():
        if isinstance(kind, str) and kind.endswith("?"):
            props[key] = {**_param_schema(kind[:-1]), "nullable": True}
        else:
            props[key] = _param_schema(kind)
        required.append(key)
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}


_METHOD = {"get_list": "get", "get_one": "get", "post": "post", "put": "put",
           "pay": "post", "cancel": "post", "refund": "post", "complete": "post",
           "status": "post", "overdue": "get", "history": "get",
           "record_payment": "post", "refund_deposit": "post"}


# Refusals because of the record's current state (a duplicate ref, an order no longer
# pending): the request was fine, the resource was not in a state to accept it.
CONFLICT_CODES = frozenset({"duplicate", "likely_duplicate", "bad_status"})


def api_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into the API's one error body with a stable ``error`` code;
    inside, a body field no schema declares is refused (``Unknown field.``)."""

    @functools.wraps(fn)
    def wrapper(self: BaseApi, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(v, int) and not 0 < v <= MAX_ID for v in kwargs.values()):
            return api_error(404)  # an id no 32-bit key can hold: no such record
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
                              "history": "read", "record_payment": "write",
                              "refund_deposit": "write"}

    @property
    def openapi_spec_tag(self) -> str:  # type: ignore[override]
        """The OpenAPI tag grouping the resource's operations: its path name."""
        return self.resource_name or self.__class__.__name__

    def add_apispec_components(self, api_spec: Any) -> None:
        """FAB's components, plus the API's one error body (``Error``)."""
        from apispec.exceptions import DuplicateComponentNameError

        from core.web.api.schemas import ErrorOut

        super().add_apispec_components(api_spec)
        with contextlib.suppress(DuplicateComponentNameError):
            api_spec.components.schema("Error", schema=ErrorOut)

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None,
                         methods: list[str] | None = None, func: Any = None,
                         **kwargs: Any) -> None:
        """The operations :func:`openapi` described (FAB's YAML docstrings otherwise)."""
        if operations is None:
            return
        described = getattr(func, "_crm_openapi", None)
        for verb in methods or []:
            if described is not None:
                operation = described[1]()
            else:  # an endpoint without @openapi: still a valid, if loose, operation
                summary = (func.__doc__ or func.__name__).strip().splitlines()[0]
                operation = _operation(
                    summary, query=(), paged=False, body=verb.upper() in ("POST", "PUT"),
                    path=(), verb=verb.lower(), response=None, many=False, status=None,
                    envelope=None, produces=None, description=None, body_required=False)
            # Every name in the address is a parameter, declared or not.
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            missing = [n for n in re.findall(r"{(\w+)}", path or "") if n not in declared]
            if missing:
                operation["parameters"] = _params("path", missing, True) + operation.get(
                    "parameters", [])
            if self.get_method_permission(func.__name__):
                operation["security"] = [{"jwt": []}]
            operations[verb.lower()] = operation

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

    def page_response(self, result: Page[Any], item: Callable[[Any], dict[str, Any]] | None
                      = None, items: Callable[[list[Any]], list[dict[str, Any]]] | None
                      = None) -> Any:
        """A page of results as JSON (``item`` serialises one row, ``items`` the page's
        rows at once, e.g. to look their refs up in one query)."""
        rows = list(result.items)
        out = items(rows) if items is not None else [item(row) for row in rows] \
            if item is not None else rows
        return self.response(200, count=result.total, page=result.page,
                             page_size=result.per_page, pages=result.pages,
                             result=[jsonable(row) for row in out])
