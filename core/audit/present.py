"""The audit log as a compliance officer reads it: who, when (local time), which record
(its name, with a link to its page), what changed (field labels, old → new, codes named).

The log itself stays as it was written (table and column names, raw values): that is the
evidence, and it stays one click away. This module only *reads* it and explains it, with
one :class:`AuditKind` per table: its name, its fields' labels, the code lists of its
fields, how to name a record and where its page is. The core declares its own tables here;
modules declare theirs with the ``crm_audit_kinds`` hook.

Values are shown by the column's type: times in the brand's timezone, dates and numbers
in the reader's locale, booleans as Yes/No, codes by their label, references to other
records (``customer_id``) by that record's name. A field nobody labelled is shown with a
readable form of its name rather than not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, Numeric, inspect, select
from sqlalchemy.orm import InstrumentedAttribute

from core.audit.listener import REDACTED, SYSTEM_ACTOR
from core.audit.models import AuditEntry
from core.context import Ctx
from core.db import Base, Money, UTCDateTime
from core.i18n import N_, ngettext, use_locale
from core.i18n import gettext_core as _
from core.labels import label as code_label
from core.labels import register_labels, segment_label, stored_text

#: The labels of the actions the core and the built-in modules write.
ACTION_LABELS: dict[str, str] = {
    "create": N_("Created"), "update": N_("Updated"), "delete": N_("Deleted"),
    "merge": N_("Merged"), "reveal": N_("Revealed"), "login_success": N_("Logged in"),
    "login_failure": N_("Failed login"), "module_enable": N_("Module enabled"),
    "module_disable": N_("Module disabled"), "report_generated": N_("Report generated"),
    "import": N_("Imported"), "key_rotation": N_("Key rotation"), "handover": N_("Handover"),
    "pseudonymise": N_("Pseudonymised"), "erase": N_("Erased"),
    "setting_changed": N_("Setting changed"), "setting_reset": N_("Setting reset"),
    "export": N_("Exported"), "referral_review": N_("Referral reviewed"),
}

register_labels("audit_action", ACTION_LABELS)

#: Labels of columns many tables share; an :class:`AuditKind` may override them.
COMMON_FIELDS: dict[str, str] = {
    "name": N_("Name"), "phone": N_("Phone"), "email": N_("E-mail"),
    "wechat_id": N_("WeChat"), "status": N_("Status"), "kind": N_("Kind"),
    "customer_id": N_("Customer"), "rep_id": N_("Rep"), "product_id": N_("Product"),
    "order_id": N_("Order"), "lead_id": N_("Lead"), "amount": N_("Amount"),
    "created_at": N_("Created at"), "created_by": N_("Created by"),
    "changed_at": N_("Changed"), "changed_by": N_("Changed by"), "reason": N_("Reason"),
    "note": N_("Note"), "notes": N_("Notes"), "title": N_("Title"), "points": N_("Points"),
    "quantity": N_("Quantity"), "channel": N_("Channel"), "enabled": N_("Enabled"),
    "module": N_("Module"), "version": N_("Version"), "locale": N_("Language"),
    "user_id": N_("User"), "occurred_at": N_("When"), "due_at": N_("Due"),
    "purpose": N_("Purpose"), "code": N_("Code"), "expires_at": N_("Expires"),
}

#: Columns never worth showing: the brand is the screen's, the entry has its own time;
#: keyed hashes (``phone_hash``) and idempotency keys are machinery, not facts.
HIDDEN_FIELDS = frozenset({"brand_id", "updated_at", "search_text", "source_key", "nonce"})

#: Columns whose values are references or codes people copy (shown in monospace).
REF_FIELDS = frozenset({"code", "ref", "sku", "key", "rule_key"})


def hidden_field(kind: AuditKind | None, column: str) -> bool:
    """Whether ``column`` of ``kind``'s table is left out of the screen and the export."""
    return (column in HIDDEN_FIELDS or column.endswith("_hash")
            or (kind is not None and column in kind.hidden))


def stored_text_field(column: str) -> bool:
    """Whether ``column`` may hold a text a rule or a job wrote in the brand's language
    (a task's title, a reason): see :func:`core.labels.register_stored_texts`."""
    return column in ("title", "evidence") or column.endswith("reason")


def ref_field(column: str) -> bool:
    """Whether ``column`` holds a reference or code (``order_ref``, ``sku``)."""
    return column in REF_FIELDS or column.endswith(("_ref", "_no", "_code"))

#: Labels of the ``details`` keys the core writes; debug-only keys are hidden.
DETAIL_LABELS: dict[str, str] = {
    "field": N_("Field"), "file": N_("File"), "report": N_("Report"),
    "filters": N_("Filters"), "batch": N_("Batch"), "merged": N_("Merged records"),
    "entries": N_("Entries"), "reason": N_("Reason"), "to": N_("To"), "from": N_("From"),
    "customers": N_("Customers"), "ip": N_("Address"), "remote_addr": N_("Address"),
    "value": N_("Value"), "key": N_("Setting"), "period": N_("Period"),
    "skipped_existing": N_("Skipped (already there)"), "lines": N_("Lines"),
    "version": N_("Version"), "module": N_("Module"), "scheme": N_("Scheme"),
}
#: Debug tags and the demo's notes to itself.
HIDDEN_DETAILS = frozenset({"bulk", "columns", "rows", "count", "demo"})

REPORT_LABELS: dict[str, str] = {"audit_csv": N_("Audit log (CSV)")}


@dataclass(frozen=True)
class RecordName:
    """A record as a person names it, and the page that shows it (a Flask endpoint and
    its arguments; no page: ``endpoint`` None)."""

    text: str
    endpoint: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)


#: ``(ctx, record ids) → {record id: RecordName}``; ids are the stored strings.
NameResolver = Callable[[Ctx, Sequence[str]], Mapping[str, RecordName]]
#: ``(ctx, what a person typed: a ref or an id) → the stored record id, or None``.
RefResolver = Callable[[Ctx, str], str | None]


@dataclass(frozen=True)
class AuditKind:
    """How the audit screen names the records of one table and labels their fields.

    :param table: the table name, as stored in ``AuditEntry.record_type``.
    :param label: the kind of record, a msgid (``N_("Customer")``).
    :param fields: column → label msgid (added to :data:`COMMON_FIELDS`).
    :param codes: column → {stored code → label msgid}, for columns that hold codes.
    :param names: names the records (see :func:`names_from`); None shows "#id".
    :param lookup: finds a record from what a person types (a ref), for the filter.
    :param references: column → table it points at (``{"customer_id": "customers"}``);
        such values are shown by the target's name. Columns ending in ``_id`` whose
        name, without the suffix, plus ``s`` is a known kind are found without it.
    :param hidden: more columns not worth showing to people.
    """

    table: str
    label: str
    fields: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    names: NameResolver | None = None
    lookup: RefResolver | None = None
    references: Mapping[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()


def _brand_scoped(model: type[Base], ctx: Ctx, stmt: Any) -> Any:
    if ctx.brand is not None and "brand_id" in model.__table__.c:
        stmt = stmt.where(model.__table__.c.brand_id == ctx.brand.id)
    return stmt


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if i is not None and str(i).isdigit()]


def names_from(model: type[Base], text: Callable[[Any], str], *,
               columns: Sequence[InstrumentedAttribute[Any]],
               endpoint: str | None = None,
               args: Callable[[Any], Mapping[str, Any] | None] | None = None,
               join: tuple[Any, Any] | Sequence[tuple[Any, Any]] | None = None
               ) -> NameResolver:
    """A :data:`NameResolver` reading ``columns`` of ``model`` (by integer primary key,
    in the acting brand): ``text(row)`` names it, ``endpoint``/``args(row)`` link it
    (``args`` defaults to ``{"pk": row.id}``; returning None means no link). ``join``
    (a model and the ON clause, or a list of them) brings in a parent's columns, e.g. an
    order line's order ref."""
    pk = model.__table__.c.id

    def resolve(ctx: Ctx, ids: Sequence[str]) -> Mapping[str, RecordName]:
        wanted = _int_ids(ids)
        if not wanted:
            return {}
        stmt = select(pk, *columns).select_from(model)
        joins = [] if join is None else ([join] if isinstance(join, tuple) else list(join))
        for target, on in joins:
            stmt = stmt.outerjoin(target, on)
        stmt = _brand_scoped(model, ctx, stmt.where(pk.in_(wanted)))
        out: dict[str, RecordName] = {}
        for row in ctx.session.execute(stmt):
            link = (args(row) if args else {"pk": row.id}) if endpoint else None
            out[str(row.id)] = RecordName(text(row), endpoint if link else None, link or {})
        return out

    return resolve


def lookup_by(model: type[Base], ref_column: InstrumentedAttribute[Any]) -> RefResolver:
    """A :data:`RefResolver` finding a record of ``model`` by ``ref_column`` (exact) or,
    failing that, by its id, in the acting brand."""
    pk = model.__table__.c.id

    def find(ctx: Ctx, typed: str) -> str | None:
        text = typed.strip()
        found = ctx.session.scalar(_brand_scoped(model, ctx, select(pk).where(
            ref_column == text)).limit(1))
        if found is None and text.isdigit():
            found = ctx.session.scalar(_brand_scoped(model, ctx, select(pk).where(
                pk == int(text))))
        return None if found is None else str(found)

    return find


def _users_table_exists(ctx: Ctx) -> bool:
    from flask_appbuilder.security.sqla.models import User

    return inspect(ctx.session.connection()).has_table(User.__tablename__)


def _user_links(ctx: Ctx, ids: Sequence[str]) -> Mapping[str, RecordName]:
    """A staff user's brand link (``user_brands``), named by the user's login."""
    from flask_appbuilder.security.sqla.models import User

    from core.users.models import UserBrand

    wanted = _int_ids(ids)
    if not wanted or not _users_table_exists(ctx):
        return {}
    rows = ctx.session.execute(select(UserBrand.id, User.username).join(
        User, User.id == UserBrand.user_id).where(UserBrand.id.in_(wanted)))
    return {str(i): RecordName(username) for i, username in rows}


def _users(ctx: Ctx, ids: Sequence[str]) -> Mapping[str, RecordName]:
    """Staff users by id (``user_id`` columns), named by their login."""
    from flask_appbuilder.security.sqla.models import User

    wanted = _int_ids(ids)
    if not wanted or not _users_table_exists(ctx):
        return {}
    rows = ctx.session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {str(i): RecordName(username) for i, username in rows}


def _core_kinds() -> list[AuditKind]:
    from core.catalogue import PRODUCT_CATEGORIES
    from core.labels import family
    from core.leads.models import Lead
    from core.models import (
        Customer,
        CustomerTag,
        Interaction,
        Order,
        OrderLine,
        Payment,
        Product,
        Rep,
        Return,
        Task,
    )

    def ref_name(ref_attr: str) -> Callable[[Any], str]:
        return lambda row: f"{row.name} ({getattr(row, ref_attr)})"

    def by_order(row: Any) -> Mapping[str, Any]:
        return {"pk": row.order_id}

    def by_customer(row: Any) -> Mapping[str, Any] | None:
        return {"pk": row.customer_id}

    return [
        AuditKind("customers", N_("Customer"), fields={
            "customer_ref": N_("Customer no."), "birthday": N_("Birthday"),
            "source_channel": N_("Source"), "lifecycle_stage": N_("Stage"),
            "merged_into_id": N_("Merged into"), "rep_id": N_("Owner rep")},
            codes={"lifecycle_stage": family("stage"),
                   "source_channel": family("source_channel")},
            references={"merged_into_id": "customers"},
            names=names_from(Customer, ref_name("customer_ref"),
                             columns=[Customer.name, Customer.customer_ref],
                             endpoint="CustomerView.show"),
            lookup=lookup_by(Customer, Customer.customer_ref)),
        AuditKind("customer_tags", N_("Customer tag"), fields={"tag": N_("Tag")},
                  names=names_from(CustomerTag, lambda r: r.tag,
                                   columns=[CustomerTag.tag, CustomerTag.customer_id],
                                   endpoint="CustomerView.show", args=by_customer)),
        AuditKind("reps", N_("Rep"), fields={
            "rep_ref": N_("Rep no."), "birth_date": N_("Birth date"),
            "occupation": N_("Occupation"), "province": N_("Province"),
            "territory": N_("Territory"), "joined_on": N_("Joined"), "left_on": N_("Left"),
            "certificate_no": N_("Certificate no."),
            "certificate_valid_from": N_("Certificate valid from"),
            "certificate_valid_until": N_("Certificate valid until"),
            "sponsor_id": N_("Sponsor"), "capacity": N_("Capacity"),
            "user_id": N_("Login")},
            codes={"status": family("rep_status")},
            references={"sponsor_id": "reps", "user_id": "ab_users"},
            names=names_from(Rep, ref_name("rep_ref"), columns=[Rep.name, Rep.rep_ref],
                             endpoint="RepView.show"),
            lookup=lookup_by(Rep, Rep.rep_ref)),
        AuditKind("rep_status_changes", N_("Rep status change"), fields={
            "old_status": N_("Previous status"), "new_status": N_("New status"),
            "effective_on": N_("Effective on")},
            codes={"old_status": family("rep_status"), "new_status": family("rep_status")}),
        AuditKind("products", N_("Product"), fields={
            "sku": N_("SKU"), "category": N_("Category"), "list_price": N_("List price"),
            "replenish_days": N_("Replenish after (days)"), "active": N_("On sale")},
            codes={"category": PRODUCT_CATEGORIES},
            names=names_from(Product, lambda r: f"{r.name} ({r.sku})",
                             columns=[Product.name, Product.sku],
                             endpoint="ProductView.edit"),
            lookup=lookup_by(Product, Product.sku)),
        AuditKind("orders", N_("Order"), fields={
            "order_ref": N_("Order no."), "ordered_at": N_("Ordered"),
            "region": N_("Region"), "total_amount": N_("Total"), "paid_at": N_("Paid"),
            "cancelled_at": N_("Cancelled")},
            codes={"status": family("order_status"), "channel": family("order_channel")},
            names=names_from(Order, lambda r: r.order_ref, columns=[Order.order_ref],
                             endpoint="OrderView.show"),
            lookup=lookup_by(Order, Order.order_ref)),
        AuditKind("order_lines", N_("Order line"), fields={
            "line_no": N_("Line"), "unit_price": N_("Unit price")},
            names=names_from(OrderLine, lambda r: f"{r.order_ref} / {r.line_no}",
                             columns=[OrderLine.order_id, OrderLine.line_no,
                                      Order.order_ref],
                             endpoint="OrderView.show", args=by_order,
                             join=(Order, OrderLine.order_id == Order.id))),
        AuditKind("payments", N_("Payment"), fields={
            "method": N_("Method"), "paid_at": N_("Paid"), "reference": N_("Reference")},
            codes={"method": family("payment_method")},
            names=names_from(Payment, lambda r: r.order_ref,
                             columns=[Payment.order_id, Order.order_ref],
                             endpoint="OrderView.show", args=by_order,
                             join=(Order, Payment.order_id == Order.id))),
        AuditKind("returns", N_("Return"), fields={
            "return_ref": N_("Return no."), "requested_at": N_("Requested"),
            "refunded_at": N_("Refunded")},
            names=names_from(Return, lambda r: r.return_ref,
                             columns=[Return.return_ref, Return.order_id],
                             endpoint="OrderView.show", args=by_order),
            lookup=lookup_by(Return, Return.return_ref)),
        AuditKind("return_lines", N_("Return line"), fields={"return_id": N_("Return")},
                  references={"return_id": "returns"}),
        AuditKind("interactions", N_("Interaction"), fields={"summary": N_("Summary")},
                  references={"user_id": "ab_users"},
                  codes={"kind": family("interaction")},
                  names=names_from(Interaction, lambda r: r.name,
                                   columns=[Interaction.customer_id, Customer.name],
                                   endpoint="CustomerView.show", args=by_customer,
                                   join=(Customer, Interaction.customer_id == Customer.id))),
        AuditKind("tasks", N_("Task"), fields={
            "done_at": N_("Done"), "rule_key": N_("Rule")},
            codes={"status": family("task_status"), "kind": family("task_kind")},
            names=names_from(Task, lambda r: stored_text(r.title),
                             columns=[Task.title, Task.customer_id],
                             endpoint="CustomerView.show",
                             args=lambda r: {"pk": r.customer_id} if r.customer_id else None)),
        AuditKind("leads", N_("Lead"), fields={
            "lead_ref": N_("Lead no."), "province": N_("Province"), "score": N_("Score"),
            "referrer_customer_id": N_("Referred by"), "contacts_count": N_("Contacts"),
            "assigned_at": N_("Assigned"), "first_contacted_at": N_("First contact"),
            "last_contacted_at": N_("Last contact"), "converted_at": N_("Converted"),
            "pooled_at": N_("Back in the pool")},
                  references={"referrer_customer_id": "customers"},
                  codes={"status": family("lead_status"), "channel": family("lead_channel")},
                  names=names_from(Lead, lambda r: f"{r.name} ({r.lead_ref})",
                                   columns=[Lead.name, Lead.lead_ref],
                                   endpoint="LeadView.show",
                                   args=lambda r: {"ref": r.lead_ref}),
                  lookup=lookup_by(Lead, Lead.lead_ref)),
        AuditKind("lead_contacts", N_("Lead contact"), fields={"summary": N_("Summary")},
                  codes={"kind": family("lead_contact")}),
        AuditKind("lead_assignments", N_("Lead assignment"), fields={
            "from_rep_id": N_("From rep"), "to_rep_id": N_("To rep"),
            "strategy": N_("How assigned"), "assigned_at": N_("Assigned"),
            "assigned_by": N_("Assigned by")},
            references={"from_rep_id": "reps", "to_rep_id": "reps"},
            codes={"strategy": family("lead_strategy")}),
        AuditKind("user", N_("User")),
        AuditKind("ab_users", N_("User"), names=_users),
        AuditKind("user_brands", N_("User"), fields={
            "sessions_valid_after": N_("Sessions valid after")},
            references={"user_id": "ab_users"}, names=_user_links),
        AuditKind("brands", N_("Brand"), fields={
            "timezone": N_("Timezone"), "currency": N_("Currency"),
            "jurisdiction": N_("Jurisdiction"), "default_locale": N_("Language")},
            codes={"jurisdiction": family("jurisdiction"), "default_locale": family("language")},
            hidden=frozenset({"settings"})),  # each change has its own "setting" entry
        AuditKind("brand_modules", N_("Module"), codes={"module": family("module")}),
        AuditKind("module", N_("Module")),
        AuditKind("audit_log", N_("Audit log")),
        AuditKind("login_attempts", N_("Login attempt"), fields={
            "at": N_("When"), "username": N_("Username"), "address": N_("Address"),
            "success": N_("Succeeded")}),
        AuditKind("customer_segments", N_("Customer segment"), fields={
            "scheme": N_("Scheme"), "segment": N_("Segment"), "as_of": N_("As of")},
            codes={"scheme": family("segment_scheme")}),
        AuditKind("customer_segment_changes", N_("Segment change"), fields={
            "scheme": N_("Scheme"), "old_segment": N_("Previous segment"),
            "new_segment": N_("New segment"), "as_of": N_("As of"),
            "recorded_at": N_("Recorded"), "recorded_by": N_("Recorded by")},
            codes={"scheme": family("segment_scheme")}),
        AuditKind("handovers", N_("Handover"), fields={
            "from_rep_id": N_("From rep"), "effective_on": N_("Effective on"),
            "customers_moved": N_("Customers moved"), "tasks_moved": N_("Tasks moved"),
            "leads_moved": N_("Leads moved")},
            references={"from_rep_id": "reps"}, codes={"kind": family("handover_kind")}),
        AuditKind("handover_items", N_("Handover item"), fields={
            "handover_id": N_("Handover"), "record_id": N_("Record"),
            "from_rep_id": N_("From rep"), "to_rep_id": N_("To rep")},
            references={"from_rep_id": "reps", "to_rep_id": "reps"},
            codes={"kind": family("handover_move")}),
        AuditKind("outreach_refusals", N_("Refused outreach"), fields={
            "refused_at": N_("Refused")},
            codes={"purpose": family("contact_purpose"), "channel": family("contact_channel"),
                   "kind": family("task_kind")}),
        AuditKind("settings", N_("Setting")),
        AuditKind("setting", N_("Setting")),
    ]


def kinds(ctx: Ctx) -> dict[str, AuditKind]:
    """Every kind the audit screen knows: the core's, then every installed module's (a
    module disabled since keeps its entries readable)."""
    out = {k.table: k for k in _core_kinds()}
    for contributed in ctx.registry.all_hooks().crm_audit_kinds(ctx=ctx):
        for kind in contributed or ():
            out[kind.table] = kind
    return out


def humanise(name: str) -> str:
    """``certificate_valid_until`` → ``Certificate valid until`` (a last resort)."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def kind_label(kinds_: Mapping[str, AuditKind], table: str | None) -> str:
    """The translated kind of record of ``table`` ("Customer", "客户")."""
    if not table:
        return "—"
    kind = kinds_.get(table)
    return _(kind.label) if kind is not None else humanise(table)


def field_label(kind: AuditKind | None, column: str) -> str:
    """The translated label of ``column`` of ``kind``'s table."""
    msgid = (kind.fields.get(column) if kind is not None else None) or COMMON_FIELDS.get(column)
    return _(msgid) if msgid else humanise(column.removesuffix("_id"))


@dataclass
class Change:
    """One changed field: its label and the old and new values as shown."""

    field: str
    label: str
    old: str | None
    new: str | None
    #: a reference or code people copy (shown in monospace)
    ref: bool = False


@dataclass
class Shown:
    """One audit entry as shown to people, with the raw entry beside it."""

    entry: AuditEntry
    when: str
    actor: str
    actor_login: str
    action: str
    kind: str
    record: RecordName | None
    changes: list[Change]
    details: list[tuple[str, str]]

    @property
    def raw(self) -> str:
        """The stored entry, as JSON (the evidence, unexplained)."""
        e = self.entry
        return json.dumps({
            "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "brand_id": e.brand_id,
            "action": e.action, "record_type": e.record_type, "record_id": e.record_id,
            "changes": e.changes, "details": e.details}, ensure_ascii=False, indent=1)

    def changes_text(self) -> str:
        """The changes on lines of ``Label: old → new`` (for the CSV export); a created
        record's values alone, a deleted record's last values alone."""
        lines = []
        for c in self.changes:
            if self.entry.action == "update":
                lines.append(f"{c.label}: {c.old or '—'} → {c.new or '—'}")
            else:
                value = c.new if c.new is not None else c.old
                lines.append(f"{c.label}: {value if value is not None else '—'}")
        return "\n".join(lines)

    def details_text(self) -> str:
        """The details on lines of ``Label: value``."""
        return "\n".join(f"{k}: {v}" if k else v for k, v in self.details)


class Presenter:
    """Explains a page of entries at once (names resolved in one query per kind)."""

    def __init__(self, ctx: Ctx, *, locale: str | None = None) -> None:
        self.ctx = ctx
        self.locale = locale or ctx.locale
        self.kinds = kinds(ctx)
        self._names: dict[str, dict[str, RecordName]] = defaultdict(dict)
        self._actors: dict[str, str] = {}

    # -- names, fetched for a whole page ----------------------------------------------

    def _reference_target(self, kind: AuditKind | None, column: str) -> str | None:
        if kind is not None and column in kind.references:
            return kind.references[column]
        if column.endswith("_id"):
            table = column.removesuffix("_id") + "s"
            if table in self.kinds and self.kinds[table].names is not None:
                return table
        return None

    def prefetch(self, entries: Sequence[AuditEntry]) -> None:
        """Resolve every record and referenced record of ``entries`` in a few queries."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for e in entries:
            if e.record_type and e.record_id:
                wanted[e.record_type].add(e.record_id)
            kind = self.kinds.get(e.record_type or "")
            for column, pair in (e.changes or {}).items():
                target = self._reference_target(kind, column)
                if target and isinstance(pair, list):
                    wanted[target].update(str(v) for v in pair if v is not None)
        for table, ids in list(wanted.items()):
            kind = self.kinds.get(table)
            missing = [i for i in ids if i not in self._names[table]]
            if kind is not None and kind.names is not None and missing:
                self._names[table].update(kind.names(self.ctx, missing))
        self._prefetch_actors({e.actor for e in entries}
                              | {e.record_id for e in entries
                                 if e.record_type == "user" and e.record_id})

    def _prefetch_actors(self, logins: set[str]) -> None:
        from flask_appbuilder.security.sqla.models import User

        wanted = [u for u in logins if u not in self._actors and u != SYSTEM_ACTOR]
        # The users table is Flask-AppBuilder's: absent from a database only the CLI used.
        if wanted and _users_table_exists(self.ctx):
            rows = self.ctx.session.execute(select(
                User.username, User.first_name, User.last_name).where(
                User.username.in_(wanted)))
            for username, first, last in rows:
                full = " ".join(p for p in (first, last) if p and p.strip())
                self._actors[username] = full or username

    def record_name(self, table: str | None, record_id: str | None) -> RecordName | None:
        """The record's name and page (None: not named; "#id" when the record is gone)."""
        if not table or not record_id:
            return None
        if table == "user":  # a login attempt names the login itself
            return RecordName(record_id)
        if table == "setting":  # a setting is named by its label
            return RecordName(self.setting_label(record_id))
        if table == "module":  # a module by its name in the reader's language
            return RecordName(code_label("module", record_id))
        named = self._names.get(table, {}).get(record_id)
        if named is not None:
            return named
        return RecordName(f"#{record_id}")

    def actor(self, login: str) -> str:
        """A person's full name for a login ("System" for the system)."""
        if login == SYSTEM_ACTOR:
            return _("System")
        return self._actors.get(login, login)

    # -- values ------------------------------------------------------------------------

    def value(self, kind: AuditKind | None, column: str, raw: Any) -> str | None:
        """One stored value as a person reads it (None stays None: "nothing")."""
        from core.web import formatting

        if raw is None:
            return None
        if raw == REDACTED:
            return _("(hidden)")
        if kind is not None and column in kind.codes and isinstance(raw, str):
            msgid = kind.codes[column].get(raw)
            if msgid:
                return _(msgid)
        if raw == SYSTEM_ACTOR:  # who wrote a row when no person did
            return _("System")
        target = self._reference_target(kind, column)
        if target is not None:
            named = self._names.get(target, {}).get(str(raw))
            return named.text if named is not None else f"#{raw}"
        if isinstance(raw, bool):
            return _("Yes") if raw else _("No")
        column_type = None
        table = Base.metadata.tables.get(kind.table if kind else "")
        if table is not None and column in table.c:
            column_type = table.c[column].type
        if isinstance(raw, str) and isinstance(column_type, UTCDateTime):
            try:
                moment = dt.datetime.fromisoformat(raw)
            except ValueError:
                return raw
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return formatting.datetime(moment, self.ctx.tz, self.locale, "medium")
        if isinstance(raw, str) and isinstance(column_type, Date):
            try:
                return formatting.date(dt.date.fromisoformat(raw[:10]), self.locale)
            except ValueError:
                return raw
        if isinstance(column_type, Boolean) and raw in (0, 1):
            return _("Yes") if raw else _("No")
        if isinstance(column_type, Money) and isinstance(raw, (str, int, float)):
            try:
                amount = Decimal(str(raw))
            except InvalidOperation:
                return str(raw)
            if self.ctx.brand is not None:
                return formatting.money(amount, self.ctx.brand.currency, self.locale)
            return formatting.number(amount, self.locale)
        if isinstance(column_type, Numeric) and isinstance(raw, (str, int, float)):
            try:
                return formatting.number(Decimal(str(raw)), self.locale)
            except InvalidOperation:
                return str(raw)
        if isinstance(raw, (list, dict)):
            return json.dumps(raw, ensure_ascii=False)
        if isinstance(raw, str) and stored_text_field(column):
            return stored_text(raw)  # written by a rule or a job: in the reader's language
        return str(raw)

    def setting_label(self, name: str) -> str:
        """A setting's translated label ("No order for (days)"), its name when unknown."""
        from core.services.settings import declared

        setting = declared(self.ctx).get(name)
        return _(setting.label) if setting is not None else name

    def setting_value(self, name: str, raw: Any) -> str | None:
        """A setting's value as the settings screen shows it."""
        if raw is None:
            return None
        if isinstance(raw, bool):
            return _("Yes") if raw else _("No")
        if isinstance(raw, list):
            return ", ".join(str(v) for v in raw)
        return str(raw)

    def _details(self, e: AuditEntry, kind: AuditKind | None) -> list[tuple[str, str]]:
        d = e.details or {}
        out: list[tuple[str, str]] = []
        rows = d.get("rows", d.get("count"))
        if isinstance(rows, int) and not (rows == 1 and e.record_id):
            out.append(("", ngettext("%(num)d record", "%(num)d records", rows, num=rows)))
        columns = d.get("columns")
        if d.get("bulk") and isinstance(columns, list):
            # a bulk UPDATE's parameters may have their own names: the table's columns only
            table = Base.metadata.tables.get(kind.table) if kind is not None else None
            shown = [field_label(kind, c) for c in columns if not hidden_field(kind, c)
                     and (table is None or c in table.c)]
            if shown:
                out.append((_("Fields"), ", ".join(shown)))
        for key, raw in d.items():
            if key in HIDDEN_DETAILS:
                continue
            label = _(DETAIL_LABELS[key]) if key in DETAIL_LABELS else humanise(key)
            if key == "field" and isinstance(raw, str):
                text = field_label(kind, raw)
            elif key == "report" and isinstance(raw, str):
                text = _(REPORT_LABELS[raw]) if raw in REPORT_LABELS else raw
            elif key == "module" and isinstance(raw, str):
                text = code_label("module", raw)
            elif key == "scheme" and isinstance(raw, str):
                text = code_label("segment_scheme", raw)
            elif key == "filters" and isinstance(raw, dict):
                text = ", ".join(f"{k}={v}" for k, v in raw.items()) or "—"
            elif isinstance(raw, bool):
                text = _("Yes") if raw else _("No")
            elif isinstance(raw, (list, dict)):
                text = json.dumps(raw, ensure_ascii=False)
            else:
                text = str(raw)
            out.append((label, text))
        return out

    def show(self, e: AuditEntry) -> Shown:
        """One entry explained (call :meth:`prefetch` for the page first)."""
        from core.web import formatting

        kind = self.kinds.get(e.record_type or "")
        changes = []
        scheme = _segment_scheme(e)
        for column, pair in (e.changes or {}).items():
            if hidden_field(kind, column):
                continue
            old, new = (pair if isinstance(pair, list) and len(pair) == 2 else (None, pair))
            if e.record_type == "setting":  # changes={"area.key": [old, new]}
                changes.append(Change(column, self.setting_label(column),
                                      self.setting_value(column, old),
                                      self.setting_value(column, new)))
                continue
            if scheme is not None and column in SEGMENT_VALUE_FIELDS:
                shown = [segment_label(scheme, v) if isinstance(v, str) else
                         self.value(kind, column, v) for v in (old, new)]
            else:
                shown = [self.value(kind, column, v) for v in (old, new)]
            changes.append(Change(column, field_label(kind, column), shown[0], shown[1],
                                  ref=ref_field(column)))
        action = _(ACTION_LABELS[e.action]) if e.action in ACTION_LABELS else humanise(e.action)
        return Shown(entry=e, when=formatting.datetime(e.at, self.ctx.tz, self.locale, "medium"),
                     actor=self.actor(e.actor), actor_login=e.actor, action=action,
                     kind=kind_label(self.kinds, e.record_type),
                     record=self.record_name(e.record_type, e.record_id),
                     changes=changes, details=self._details(e, kind))

    def show_all(self, entries: Sequence[AuditEntry]) -> list[Shown]:
        """A page of entries explained, in the presenter's language."""
        self.prefetch(entries)
        with use_locale(self.locale):
            return [self.show(e) for e in entries]


#: The tables of stored segments, whose values are read with their scheme.
SEGMENT_VALUE_FIELDS = frozenset({"segment", "old_segment", "new_segment"})


def _segment_scheme(e: AuditEntry) -> str | None:
    """The segmentation scheme of a segment row's entry (None for other tables)."""
    if e.record_type not in ("customer_segments", "customer_segment_changes"):
        return None
    pair = (e.changes or {}).get("scheme")
    scheme = pair[-1] if isinstance(pair, list) and pair else pair
    return scheme if isinstance(scheme, str) else None


def record_types(ctx: Ctx) -> list[tuple[str, str]]:
    """(table, translated kind) of the kinds that have entries in the acting brand, for
    the filter, sorted by label."""
    stmt = select(AuditEntry.record_type).distinct().where(AuditEntry.record_type.is_not(None))
    if ctx.brand is not None:
        stmt = stmt.where(AuditEntry.brand_id == ctx.brand.id)
    known = kinds(ctx)
    found = [t for t in ctx.session.scalars(stmt) if t]
    return sorted(((t, kind_label(known, t)) for t in found), key=lambda p: p[1])


def find_record(ctx: Ctx, table: str, typed: str) -> str:
    """The stored record id for what a person typed in the record filter: a ref
    (``C0001``) when the kind knows refs, else the text itself (an id)."""
    kind = kinds(ctx).get(table)
    if kind is not None and kind.lookup is not None:
        found = kind.lookup(ctx, typed)
        if found is not None:
            return found
    return typed.strip()
