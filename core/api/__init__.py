"""The public plugin API: everything a directcrm module may import from the core.

Built-in modules and partners' modules import only from ``core.api`` (and its
``core.api.web`` and ``core.api.cli`` parts); everything else under ``core`` is internal
and may change. ``tests/core/test_public_api.py`` fails when a file under ``plugins/``
imports anything else of the core.

- **Context and hooks**: :class:`Ctx` (brand, session, clock, user, locale; ``ctx.write()``
  opens the one write transaction), ``hookimpl`` / ``hookspec`` (a module may declare its
  own specs).
- **Payloads** of events, decisions and contributions (frozen dataclasses).
- **Errors**: raise them from services; the edges turn them into messages, exit status 1
  and HTTP statuses (:class:`NotFound` 404, :class:`ValidationFailed` 422,
  :class:`RuleViolation` 422, ``DomainError(code="duplicate"|"bad_status")`` 409, any
  other :class:`DomainError` 400).
- **Translation**: ``_`` (translate now), ``N_`` (mark, translate when shown),
  ``ngettext``, ``use_locale``, ``normalise_locale``; a module ships its own catalogs
  (``<package>/locales/<locale>/LC_MESSAGES/<name>.po``) and registers them with
  :func:`register_catalog` when ``plugin.py`` is imported; its own ``_`` and
  ``ngettext`` read that catalog first (``tr = module_translations("acme_visits")``,
  ``_ = tr.gettext``), so a msgid the core also translates keeps the module's meaning.
- **Labels**: a module names its stored codes (statuses, kinds, tiers) for pages, exports,
  PDFs and CLI tables with :func:`register_labels` (``register_labels("mymod.status",
  {"new": N_("New")}, _)`` when ``plugin.py`` is imported) and shows them with
  :func:`label`; the code itself stays in the API and in ``--format json``. Texts stored
  already translated (titles of generated tasks) are declared with
  :func:`register_stored_texts` so they are shown in the reader's language
  (:func:`stored_text` shows one).
- **Settings**: declare with :class:`Setting` / :class:`Kind` (``crm_settings`` hook), read
  with :func:`get_setting`, change with :func:`set_settings` / :func:`configure_area`.
- **Core records and services**: the core's models (read them through the row policy,
  :func:`row_policy` (``select(...).where(*row_policy(ctx, Customer))``) or :func:`scoped`;
  write through the services), scoped lookups (:func:`get_by_ref`, :func:`get_by_id`,
  :func:`ref_map`), tasks and interactions; generated tasks go through
  :func:`insert_tasks` (rows from :func:`task_row`): idempotent by rule key, gated by
  the contact gate, audited with the count really created.
- **Contact gate**: before a module sends anything to a customer it asks
  :func:`may_contact` (or :func:`contact_refusals` for a batch); a module that decides
  consent answers the ``crm_can_contact`` hook.
- **Data helpers**: the declarative ``Base`` and column types for a module's own tables,
  bulk inserts (:func:`insert_ignore` skips rows already present: idempotent writes, audited
  with the count really written), audit entries, input schemas. The audit screen names a
  module's records and labels their fields from its :class:`AuditKind` declarations
  (``crm_audit_kinds`` hook; :func:`names_from` and :func:`lookup_by` build the resolvers).
- **Personal data**: :class:`EncryptedText` columns (encrypted at rest) with a keyed
  :func:`lookup_hash` (or :func:`phone_hash`) beside them for exact lookups; show values
  :func:`masked`, and the plaintext only through :func:`reveal` (audited). A person's
  data: :func:`personal_data` (every part the core and the modules hold, for an export)
  and :func:`erase_customer` (pseudonymisation where records must be kept, audit log
  included). Links sent to people carry a :func:`sign_token` token, read back with
  :func:`read_token`. Files (evidence, attachments) are kept encrypted outside the rows
  with :func:`store_encrypted` / :func:`read_encrypted` / :func:`delete_encrypted`.
- **Background jobs**: long work (a PDF, an import started from the web) leaves the
  request. Register a kind once with :func:`job_kind` (``run(ctx, job)`` gets the
  requester's context and a :class:`JobHandle` with ``params`` and ``progress(percent)``,
  and returns a :class:`JobOutput`: a file and/or a summary), then :func:`enqueue` it;
  :func:`get_job` / :func:`list_jobs` read a job's state (:class:`JobInfo`). A worker runs
  it, retrying with back-off; the web page ``/jobs/<id>`` shows progress and the download
  (``core.api.web.redirect_to_job``).
- **CSV imports**: a module declares its import kinds with :class:`ImportKind`
  (``crm_import_kinds`` hook): the columns and ``run(ctx, path)``, all or nothing, raising
  :class:`RowErrors` (a list of :class:`RowError`: line, column, reason) for invalid rows.
  Each kind gets ``directcrm import NAME`` and a place on the web import page (a
  background job with progress, the per-line errors and the rejects file).
"""

from __future__ import annotations

from core.audit.models import AuditEntry
from core.audit.present import AuditKind, RecordName, lookup_by, names_from
from core.audit.services import ERASED, reveal
from core.audit.services import record as record_audit
from core.audit.services import record_bulk as record_audit_bulk
from core.bulk import chunks, insert_many, insert_returning_ids
from core.context import Ctx
from core.crypto import EncryptedText, lookup_hash, phone_hash, read_token, sign_token
from core.csv_cells import spreadsheet_safe
from core.db import Base, BrandScoped, Money, UTCDateTime, brand_foreign_key, placed_as
from core.distribution import rekey_by_brand
from core.errors import (
    DomainError,
    ModuleError,
    NotFound,
    RowProblem,
    RuleViolation,
    UnknownRef,
    ValidationFailed,
    raise_row_problems,
    require_module,
)
from core.events import (
    ComplianceResult,
    ContactRequest,
    CustomerEvent,
    DataPart,
    HandoverMove,
    OrderCancelled,
    OrderDraft,
    OrderDraftLine,
    OrderPaid,
    OrderRefunded,
    PayItem,
    PaymentDraft,
    PaymentLine,
    PointsAward,
    Problem,
    ProductDraft,
    ProfileSection,
    RefundedLine,
    RepStatusChanged,
    ScheduledJob,
    SegmentChange,
)
from core.files import delete_encrypted, read_encrypted, store_encrypted
from core.hookspecs import hookimpl, hookspec
from core.i18n import (
    N_,
    _,
    module_translations,
    ngettext,
    normalise_locale,
    register_catalog,
    use_locale,
)
from core.importing.base import RowError
from core.importing.kinds import ImportKind, RowErrors
from core.jobqueue.services import (
    JobHandle,
    JobInfo,
    JobKind,
    JobOutput,
    enqueue,
    get_job,
    job_kind,
    list_jobs,
    register_job_kind,
)
from core.labels import (
    label,
    register_labels,
    register_stored_texts,
    segment_label,
    stored_text,
)
from core.leads.models import Lead, LeadChannel, LeadStatus
from core.leads.services import create_lead
from core.models import (
    Brand,
    Customer,
    CustomerTag,
    Interaction,
    InteractionKind,
    LifecycleStage,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Rep,
    RepStatus,
    RepStatusChange,
    Return,
    ReturnLine,
    Task,
    TaskStatus,
)
from core.privacy import masked
from core.scheduler import JobResult
from core.schemas import (
    AwareDateTime,
    BrandScopedSchema,
    Day,
    MoneyField,
    clean_row,
    load_or_raise,
)
from core.services.activities import (
    cancel_task,
    complete_task,
    create_interaction,
    create_task,
)
from core.services.contact import (
    ANY_CHANNEL,
    CARE,
    MARKETING,
    SERVICE,
    TASK_PURPOSES,
    blocked_outreach,
    contact_refusals,
    may_contact,
)
from core.services.lifecycle import mark_advocate
from core.services.orders import POINTS_METHOD
from core.services.personal_data import Erasure, erase_customer, erase_leads, personal_data
from core.services.scoping import (
    get_by_id,
    get_by_ref,
    ref_map,
    resolve_customer,
    resolve_customer_refs,
    scoped,
)
from core.services.scoping import policy as row_policy
from core.services.settings import (
    configure_area,
    get_setting,
    set_setting,
    set_settings,
)
from core.settings import Kind, Setting, SettingError, declare_area_rule
from core.tasks.store import insert_ignore, insert_tasks, task_row

__all__ = [
    "ANY_CHANNEL", "CARE", "MARKETING", "SERVICE", "ContactRequest", "contact_refusals",
    "may_contact", "insert_tasks", "task_row", "POINTS_METHOD", "Base", "Brand",
    "BrandScoped", "brand_foreign_key", "placed_as", "rekey_by_brand",
    "ComplianceResult", "Ctx", "Customer", "CustomerEvent",
    "CustomerTag", "DomainError", "HandoverMove", "Interaction", "InteractionKind", "JobResult",
    "Kind", "LifecycleStage", "ModuleError", "Money", "MoneyField", "AwareDateTime",
    "BrandScopedSchema", "N_", "NotFound", "Order", "OrderCancelled", "OrderDraft",
    "OrderDraftLine", "OrderLine", "OrderPaid",
    "OrderRefunded", "OrderStatus", "PayItem", "Payment", "PaymentDraft", "PaymentLine",
    "Problem", "Product", "ProductDraft", "ProfileSection", "RefundedLine", "Rep", "RepStatus",
    "RepStatusChange", "RepStatusChanged", "Return", "ReturnLine", "RuleViolation",
    "ScheduledJob", "SegmentChange", "Setting", "SettingError", "Task", "TaskStatus",
    "UTCDateTime", "ValidationFailed", "_", "cancel_task", "chunks", "clean_row",
    "complete_task", "mark_advocate", "configure_area", "create_interaction", "create_task",
    "declare_area_rule", "get_by_id", "get_by_ref", "get_setting", "hookimpl", "hookspec",
    "insert_many", "insert_returning_ids", "load_or_raise", "ngettext", "normalise_locale",
    "record_audit", "record_audit_bulk", "ref_map", "scoped", "set_setting", "set_settings",
    "use_locale", "resolve_customer", "resolve_customer_refs", "insert_ignore", "Day",
    "EncryptedText", "lookup_hash", "phone_hash", "masked", "reveal", "DataPart", "Erasure",
    "erase_customer", "personal_data", "spreadsheet_safe", "TASK_PURPOSES",
    "blocked_outreach", "sign_token", "read_token", "erase_leads", "Lead", "LeadStatus",
    "ERASED", "AuditEntry", "row_policy", "PointsAward", "create_lead", "RowProblem",
    "raise_row_problems", "require_module", "AuditKind", "RecordName", "lookup_by",
    "names_from", "UnknownRef",
    "LeadChannel", "module_translations", "register_catalog", "store_encrypted",
    "read_encrypted", "delete_encrypted",
    "JobHandle", "JobInfo", "JobKind", "JobOutput", "enqueue", "get_job", "job_kind",
    "list_jobs", "register_job_kind",
    "label", "register_labels", "register_stored_texts", "segment_label", "stored_text",
    "ImportKind", "RowError", "RowErrors",
]
