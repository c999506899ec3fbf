"""Shared plumbing of the admin views: permissions, the request context, forms, errors.

The views are thin: they read the request, call a service with ``crm_ctx()``, and render.
Forms are plain HTML described by :class:`Field` lists; the services validate with
marshmallow, and a :class:`~core.errors.ValidationFailed` re-renders the form with each
field's messages (in the user's language, nothing saved).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_appbuilder import BaseView

from core.csv_cells import spreadsheet_safe
from core.errors import DomainError, NotFound, ValidationFailed
from core.services.browse import Page
from core.web import roles
from core.web.context import NoBrand, crm_ctx

MAX_INT32 = 2**31 - 1
EXPORT_CHUNK = 100


def _cell(value: Any) -> Any:
    """A CSV cell: times in the brand's timezone (``2026-03-01 10:00``), money and numbers
    as plain decimals, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(crm_ctx().tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class Field:
    """One form field: ``kind`` is text, textarea, email, date, datetime, number, money,
    select, tags (comma-separated) or picker (a text field that suggests records as one
    types, from the JSON endpoint ``picker``)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] | None = None
    help: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    # kind "picker": the endpoint of the JSON suggestions (``CustomerView.pick``...)
    picker: str = ""

    def options(self) -> Sequence[tuple[str, str]]:
        """The (value, label) choices of a select."""
        return self.choices() if callable(self.choices) else (self.choices or [])


def form_data(fields: Sequence[Field], form: Mapping[str, str]) -> dict[str, Any]:
    """The submitted values of ``fields``: blanks dropped, tags split on commas."""
    data: dict[str, Any] = {}
    for f in fields:
        raw = (form.get(f.name) or "").strip()
        if not raw:
            continue
        if f.kind == "tags":
            data[f.name] = [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]
        else:
            data[f.name] = raw
    return data


def blanks_for_required(fields: Sequence[Field], data: Mapping[str, Any]) -> dict[str, Any]:
    """For an edit form (validated as a partial update): a required field left blank is sent
    as ``""`` so that it is refused with a field error instead of silently kept."""
    return {**{f.name: "" for f in fields if f.required}, **data}


def sorted_rows(rows: Sequence[Any], keys: Mapping[str, Callable[[Any], Any]],
                sort: str | None) -> list[Any]:
    """A list computed in memory (at-risk customers, users) ordered by the ``sort`` the
    user chose (a key of ``keys``, ``-`` first for descending; empty values last); an
    unknown key keeps the given order, as :func:`core.services.browse.sorted_by` does."""
    key = keys.get((sort or "").lstrip("-"))
    if key is None:
        return list(rows)
    descending = bool(sort) and sort.startswith("-")  # type: ignore[union-attr]
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=descending) + missing


def rows_page(rows: Sequence[Any], page: int, per_page: int) -> Page[Any]:
    """One page of an in-memory list, for :meth:`CrmView.csv_export`."""
    start = (max(page, 1) - 1) * per_page
    return Page(items=list(rows[start:start + per_page]), total=len(rows), page=page,
                per_page=per_page)


class CrmView(BaseView):
    """A directcrm admin view: ``can_read`` / ``can_write`` on ``class_permission_name``."""

    default_view = "list"
    method_permission_name = {
        "list": "read", "show": "read", "add": "write", "edit": "write", "action": "write",
        "export": "read", "pick": "read",
    }
    base_permissions = [roles.READ, roles.WRITE]

    def can(self, permission: str = "write") -> bool:
        """Whether the user holds ``can_<permission>`` on this view's resource."""
        return self.appbuilder.sm.has_access(f"can_{permission}", self.class_permission_name)

    def page(self, template: str, **kwargs: Any) -> Any:
        """Render a page with the context, and whether the user may write here."""
        return self.render_template(template, ctx=crm_ctx(), can_write=self.can("write"),
                                    view=self, **kwargs)

    def suggestions(self, kind: str) -> Any:
        """The ``kind`` picker's suggestions for ``?q=`` as JSON (``{"results": [...]}``),
        through the list's own search and row policy (:mod:`core.services.pickers`)."""
        from flask import jsonify

        from core.services.pickers import PICKERS

        found = PICKERS[kind](crm_ctx(), (request.args.get("q") or "")[:100])
        return jsonify({"results": [s.as_dict() for s in found]})

    def args_int(self, name: str, default: int = 1) -> int:
        """An integer query argument, or ``default`` when missing, malformed or beyond
        what the database can hold (a page number of 2^63)."""
        try:
            value = int(request.args.get(name, default))
        except (TypeError, ValueError):
            return default
        return value if -MAX_INT32 <= value <= MAX_INT32 else default

    def csv_export(self, name: str, columns: Sequence[tuple[str, Callable[[Any], Any]]],
                   search: Callable[[int, int], Page[Any]]) -> Any:
        """Every row the list's filters and sort match, as a CSV download: the list's
        column labels in the user's language, labels for codes, UTF-8 with a BOM (so
        spreadsheet programs read Chinese), formula-like cells neutralised, fetched 100 rows
        at a time and streamed. The export is audited (``report_generated``)."""
        from core import audit
        from core.i18n import gettext_core as _

        ctx = crm_ctx()
        audit.record(ctx, "report_generated", record_type=name, details={
            "report": f"{name}_csv",
            "filters": {k: v for k, v in request.args.items() if v and k != "page"}})
        header = [_(label) for label, _get in columns]

        def rows() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            buffer.write("\ufeff")
            writer.writerow([spreadsheet_safe(h) for h in header])
            page = 1
            try:
                while True:
                    result = search(page, EXPORT_CHUNK)
                    for item in result.items:
                        writer.writerow([spreadsheet_safe(_cell(get(item)))
                                         for _label, get in columns])
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
                    if page >= result.pages:
                        break
                    page += 1
            finally:
                ctx.session.rollback()

        stamp = ctx.now().astimezone(ctx.tz).strftime("%Y%m%d-%H%M")
        filename = f"{name}-{ctx.brand.code}-{stamp}.csv"
        return Response(stream_with_context(rows()), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store"})

    def save(self, fields: Sequence[Field], action: Callable[[dict[str, Any]], Any],
             template: str, done: Callable[[Any], str], title: str,
             values: Mapping[str, Any] | None = None, **extra: Any) -> Any:
        """GET shows the form; POST calls ``action`` and redirects to ``done(result)``,
        or shows the form again with field errors (nothing is saved on an error)."""
        errors: dict[str, list[str]] = {}
        current: dict[str, Any] = dict(values or {})
        if request.method == "POST":
            current = {k: v for k, v in request.form.items() if k != "csrf_token"}
            try:
                result = action(form_data(fields, request.form))
            except ValidationFailed as exc:
                errors = exc.errors
            except NotFound as exc:
                errors = {"_schema": [exc.message]}
            except DomainError as exc:
                errors = {"_schema": [exc.message]}
            else:
                flash(self.saved_message(), "success")
                return redirect(done(result))
        return self.page(template, fields=fields, values=current, errors=errors, title=title,
                         **extra), (422 if errors else 200)

    def saved_message(self) -> str:
        from core.i18n import gettext_core as _

        return _("Saved.")


def name_and_ref(ctx: Any, model: Any, pk: int | None, ref: str) -> str:
    """``"Name (REF)"`` of a brand's customer or rep by id, for export cells; ``""`` for
    none or another brand's row (the session's identity map serves repeated ids)."""
    row = ctx.session.get(model, pk) if pk else None
    if row is None or row.brand_id != ctx.brand_id:
        return ""
    return f"{row.name} ({getattr(row, ref)})"


def not_found_on_missing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn NotFound (including another brand's or rep's record) into a 404 page."""
    from functools import wraps

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NotFound:
            abort(404)
        except NoBrand:
            return redirect(url_for("CrmIndexView.no_brand"))

    return wrapper
