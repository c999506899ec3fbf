"""The audit log: browse and filter the brand's entries, export the filtered set as CSV.

Brand admins and compliance officers see their own brand's entries (resource ``Audit``,
read only); the super admin sees every brand's, including the installation-wide entries,
and may narrow them to one brand. Dates are days in the brand's timezone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request, stream_with_context
from flask_appbuilder import expose, has_access

from core import audit
from core.audit import present
from core.audit.models import AuditEntry
from core.context import Ctx
from core.csv_cells import spreadsheet_safe
from core.i18n import N_
from core.i18n import gettext_core as _
from core.services.brands import list_brands
from core.services.browse import Page
from core.web import roles
from core.web.context import crm_ctx, current_user, is_super_admin
from core.web.views.base import CrmView, not_found_on_missing

PER_PAGE = 50
ALL_BRANDS = "all"

ACTION_LABELS = present.ACTION_LABELS


@dataclass
class AuditQuery:
    """The filters read from the request, the service filter and the field errors."""

    filters: audit.AuditFilter
    scope: Ctx
    errors: dict[str, str] = field(default_factory=dict)
    all_brands: bool = False


def _day(args: Mapping[str, str], name: str, label: str, errors: dict[str, str]
         ) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("%(field)s: not a valid date (YYYY-MM-DD).", field=_(label))
        return None


def _local_midnight(day: dt.date, ctx: Ctx) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ctx.tz).astimezone(dt.UTC)


def read_query(ctx: Ctx, args: Mapping[str, str], super_admin: bool) -> AuditQuery:
    """Filters from the query string: ``actor``, ``action``, ``record_type``,
    ``record_id``, ``since``/``until`` (days in the brand's timezone, both included),
    and for the super admin ``brand`` (a brand id, or ``all``, the default)."""
    errors: dict[str, str] = {}
    since = _day(args, "since", N_("From"), errors)
    until = _day(args, "until", N_("To"), errors)
    if since and until and until < since:
        errors["until"] = _("%(field)s: must not be before the start date.", field=_("To"))
        until = None
    scope, all_brands = ctx, False
    if super_admin:
        wanted = (args.get("brand") or ALL_BRANDS).strip()
        brand = next((b for b in list_brands(ctx) if str(b.id) == wanted), None)
        if brand is not None:
            scope = ctx.for_brand(brand)
        else:
            all_brands = True
            scope = Ctx(session=ctx.session, brand=None, user=ctx.user, locale=ctx.locale,
                        clock=ctx.clock, registry=ctx.registry)

    def text(name: str) -> str | None:
        return (args.get(name) or "").strip() or None

    record_type, record_id = text("record_type"), text("record_id")
    typed = text("record")
    if typed and record_id is None:
        if record_type is None:
            errors["record"] = _("%(field)s: choose the kind of record first.",
                                 field=_("Record"))
        else:
            record_id = present.find_record(scope, record_type, typed)
    filters = audit.AuditFilter(
        actor=text("actor"), action=text("action"), record_type=record_type,
        record_id=record_id,
        since=_local_midnight(since, ctx) if since else None,
        until=_local_midnight(until + dt.timedelta(days=1), ctx) if until else None)
    return AuditQuery(filters=filters, scope=scope, errors=errors, all_brands=all_brands)


CHUNK = 500


def csv_header(scope: Ctx, all_brands: bool) -> list[str]:
    """The export's column titles, in the reader's language (the time column names the
    timezone its times are in)."""
    zone = "UTC" if all_brands else scope.tz.key
    head = [_("When (%(tz)s)", tz=zone), _("Who"), _("Login"), _("Action"), _("Record type"),
            _("Record"), _("Changes"), _("Details"), _("Entry no.")]
    return ([_("Brand")] + head) if all_brands else head


def csv_cells(shown: present.Shown, scope: Ctx, brand_codes: Mapping[int, str] | None
              ) -> list[Any]:
    """One entry's cells as a person reads them, safe to open in a spreadsheet."""
    e = shown.entry
    zone = dt.UTC if brand_codes is not None else scope.tz
    cells: list[Any] = [
        e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), shown.actor, shown.actor_login,
        shown.action, shown.kind, shown.record.text if shown.record else "",
        shown.changes_text(), shown.details_text(), e.id]
    if brand_codes is not None:
        cells.insert(0, brand_codes.get(e.brand_id or 0, ""))
    return [spreadsheet_safe(c) for c in cells]


def csv_stream(scope: Ctx, filters: audit.AuditFilter,
               brand_codes: Mapping[int, str] | None = None) -> Iterator[str]:
    """The CSV export in chunks (a BOM first, so spreadsheet programs read UTF-8), with
    the labels of the screen; ``brand_codes`` (all brands) adds a brand column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow([spreadsheet_safe(h) for h in csv_header(scope, brand_codes is not None)])
    presenter = present.Presenter(scope)

    def flush(batch: list[AuditEntry]) -> None:
        for shown in presenter.show_all(batch):
            writer.writerow(csv_cells(shown, scope, brand_codes))

    try:
        batch: list[AuditEntry] = []
        for entry in audit.iter_entries(scope, filters, chunk=CHUNK):
            batch.append(entry)
            if len(batch) == CHUNK:
                flush(batch)
                batch = []
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        flush(batch)
        yield buffer.getvalue()
    finally:
        # End the read transaction (and the server-side cursor) as soon as the download
        # ends or is abandoned, not only when the request is torn down.
        scope.session.rollback()


class AuditView(CrmView):
    """``/audit/list/`` and ``/audit/export.csv``."""

    route_base = "/audit"
    class_permission_name = roles.AUDIT
    method_permission_name = {"list": "read", "export": "read"}
    base_permissions = [roles.READ]

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        super_admin = is_super_admin(current_user())
        q = read_query(ctx, request.args, super_admin)
        page = max(1, self.args_int("page"))
        entries = audit.list_entries(q.scope, q.filters, limit=PER_PAGE,
                                     offset=(page - 1) * PER_PAGE)
        result = Page(items=entries, total=audit.count_entries(q.scope, q.filters), page=page,
                      per_page=PER_PAGE)
        brands = list_brands(ctx) if super_admin else []
        actions = sorted(((a, _(label)) for a, label in ACTION_LABELS.items()),
                         key=lambda p: p[1])
        return self.page("crm/audit/list.html", result=result, errors=q.errors,
                         shown=present.Presenter(q.scope).show_all(entries),
                         actions=actions, kinds=present.record_types(q.scope), brands=brands,
                         brand_codes={b.id: b.code for b in brands},
                         all_brands=q.all_brands, title=_("Audit log"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered entries as CSV, oldest first, streamed; the export is audited."""
        ctx = crm_ctx()
        q = read_query(ctx, request.args, is_super_admin(current_user()))
        audit.record(ctx, "report_generated", record_type="audit_log",
                     details={"report": "audit_csv", "filters": {
                         k: v for k, v in request.args.items() if v and k != "page"}},
                     brand_id=q.scope.brand.id if q.scope.brand is not None else None)
        stamp = ctx.now().astimezone(ctx.tz).strftime("%Y%m%d-%H%M")
        name = f"audit-{q.scope.brand.code if q.scope.brand else 'all'}-{stamp}.csv"
        codes = {b.id: b.code for b in list_brands(ctx)} if q.all_brands else None
        return Response(stream_with_context(csv_stream(q.scope, q.filters, codes)),
                        mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
