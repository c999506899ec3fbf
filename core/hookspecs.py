"""Every hook a directcrm module can implement.

Rules (DESIGN.md): every hook's first argument is ``ctx`` (:class:`core.context.Ctx`: the
brand, the database session, the clock ``ctx.now()``, the acting user and the locale).
Hooks are only called on the modules the brand has enabled. Event hooks take a *batch*
(a live order is a batch of one) so that imports call each module once per batch.
Implementations must be marked with ``@hookimpl``; a misspelt hook name fails at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal

    import click

    from core.audit.present import AuditKind
    from core.context import Ctx
    from core.events import (
        ComplianceResult,
        ContactRequest,
        CustomerEvent,
        DataPart,
        HandoverMove,
        OrderCancelled,
        OrderDraft,
        OrderPaid,
        OrderRefunded,
        PayItem,
        PaymentDraft,
        PointsAward,
        Problem,
        ProductDraft,
        ProfileSection,
        RepStatusChanged,
        ScheduledJob,
        SegmentChange,
    )
    from core.importing.kinds import ImportKind
    from core.settings import Setting

PROJECT = "directcrm"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

_EVENT = "every enabled module is told; return values are ignored (an event never vetoes)"
_ALL_PROBLEMS = ("every enabled module is asked and all problems are collected; any "
                 "blocking problem refuses")
_LISTS = "the lists of every enabled module are concatenated"

#: How the answers of several modules combine, per hook (the reference shows it; callers
#: follow it). ``firstresult=True`` specs say so on the spec itself.
COMBINE: dict[str, str] = {
    "crm_install": "called only on the module being enabled",
    "crm_uninstall": "called only on the module being disabled",
    "crm_demo_data": "every enabled module of the demo brand adds its part, in dependency "
                     "order",
    **dict.fromkeys(("crm_customer_created", "crm_customer_updated", "crm_customers_merged",
                     "crm_order_paid", "crm_order_cancelled", "crm_order_refunded",
                     "crm_customer_segment_changed", "crm_rep_offboarded",
                     "crm_rep_status_changed", "crm_loyalty_tier_changed"), _EVENT),
    **dict.fromkeys(("crm_validate_orders", "crm_validate_payments", "crm_validate_products",
                     "crm_validate_rep_status"), _ALL_PROBLEMS),
    "crm_can_contact": "any refusal refuses: the refusals of every module are merged",
    **dict.fromkeys(("crm_cli_commands", "crm_payment_methods", "crm_settings",
                     "crm_scheduled_jobs", "crm_customer_profile_sections",
                     "crm_rep_profile_sections", "crm_dashboard_sections", "crm_award_points",
                     "crm_rep_pay_items", "crm_compliance_checks", "crm_personal_data",
                     "crm_erase_personal_data", "crm_audit_kinds", "crm_import_kinds"),
                    _LISTS),
    "crm_register_views": "every module adds its views once, at start-up",
    **dict.fromkeys(("crm_customer_satisfaction", "crm_customer_complaint_counts",
                     "crm_verified_birth_dates"),
                    "the answers are merged per customer (or rep); None abstains"),
    "crm_refund_requested_at": "the earliest time any module gives for a return wins",
}


# ---------------------------------------------------------------------------------------
# Lifecycle: per-brand install and uninstall
# ---------------------------------------------------------------------------------------


@hookspec
def crm_install(ctx: Ctx) -> None:
    """Set the module up for ``ctx.brand``: default settings, seed data.

    Called when the module is enabled for a brand, inside the enabling transaction, and
    only on the module being enabled. Must be safe to run again after a disable/enable.

    :param ctx: the brand being set up.
    :return: nothing.
    """


@hookspec
def crm_uninstall(ctx: Ctx) -> None:
    """Tidy up when the module is disabled for ``ctx.brand``. Data is kept, never deleted.

    :param ctx: the brand disabling the module.
    :return: nothing.
    """


@hookspec
def crm_demo_data(ctx: Ctx, customer_refs: Sequence[str]) -> None:
    """Add the module's part of the demo brand's story (``directcrm demo``): records a
    visitor should find on the module's screens, written through the module's own
    services, each dated at its own time in the past year (never before the customer
    existed).

    Called on the demo brand's enabled modules, in dependency order, once the core's demo
    data (reps, customers, orders, leads, contacts) is in and before the nightly jobs run.
    Must be idempotent: a second ``directcrm demo`` adds nothing.

    :param ctx: the demo brand (acting user "system").
    :param customer_refs: the demo customers' refs, in the order they were created.
    :return: nothing.
    """


# ---------------------------------------------------------------------------------------
# Events: something happened; every enabled module is told
# ---------------------------------------------------------------------------------------


@hookspec
def crm_customer_created(ctx: Ctx, customers: Sequence[CustomerEvent]) -> None:
    """Customers were created (one by one in the UI, in batches by imports).

    :param ctx: the acting brand and user.
    :param customers: the new customers.
    :return: nothing.
    """


@hookspec
def crm_customer_updated(ctx: Ctx, customers: Sequence[CustomerEvent]) -> None:
    """Customers' profiles changed; each event's ``changes`` maps field → (old, new).

    :param ctx: the acting brand and user.
    :param customers: the changed customers.
    :return: nothing.
    """


@hookspec
def crm_customers_merged(ctx: Ctx, survivor_id: int, merged_ids: Sequence[int]) -> None:
    """Duplicate customers were merged into one. Move or re-point your rows to the survivor.

    :param ctx: the acting brand and user.
    :param survivor_id: the customer that remains.
    :param merged_ids: the customers folded into it (kept, marked merged).
    :return: nothing.
    """


@hookspec
def crm_order_paid(ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
    """Orders became paid (live, or imported history in batches).

    Delivered at most once per order by the core, but implementations must still be
    idempotent (unique keys on their source), since an event may be retried.

    :param ctx: the acting brand and user.
    :param orders: the orders that were paid.
    :return: nothing.
    """


@hookspec
def crm_order_cancelled(ctx: Ctx, orders: Sequence[OrderCancelled]) -> None:
    """Orders were cancelled; ``was_paid`` says whether a paid order was cancelled.

    :param ctx: the acting brand and user.
    :param orders: the cancelled orders.
    :return: nothing.
    """


@hookspec
def crm_order_refunded(ctx: Ctx, refunds: Sequence[OrderRefunded]) -> None:
    """Money was refunded on paid orders, with the refunded lines and amount.

    :param ctx: the acting brand and user.
    :param refunds: one entry per return that was refunded.
    :return: nothing.
    """


@hookspec
def crm_customer_segment_changed(ctx: Ctx, scheme: str, changes: Sequence[SegmentChange]) -> None:
    """Customers moved between segments of a scheme (``abc``, ``grid``, ``rfm``, ``size``).

    :param ctx: the brand whose segments were recomputed.
    :param scheme: the segmentation scheme.
    :param changes: each customer's old and new segment, as of the computation date.
    :return: nothing.
    """


@hookspec
def crm_rep_offboarded(ctx: Ctx, rep_id: int, handover: Sequence[HandoverMove]) -> None:
    """A leaving rep's customers, tasks and leads were handed over to other reps.

    :param ctx: the acting brand and user.
    :param rep_id: the rep who left.
    :param handover: every record moved, with the receiving rep.
    :return: nothing.
    """


@hookspec
def crm_rep_status_changed(ctx: Ctx, changes: Sequence[RepStatusChanged]) -> None:
    """Reps moved between applicant, active, suspended and terminated.

    :param ctx: the acting brand and user.
    :param changes: the transitions, each with its effective date.
    :return: nothing.
    """


# ---------------------------------------------------------------------------------------
# Decisions: modules may object
# ---------------------------------------------------------------------------------------


@hookspec
def crm_validate_orders(ctx: Ctx, orders: Sequence[OrderDraft]) -> list[Problem] | None:
    """Check orders before they are recorded (compliance: certified rep, territory, price).

    Called with a batch: one order from a form or the API, a chunk of a file from the
    import, so a module is asked once per chunk rather than once per order.

    :param ctx: the acting brand and user.
    :param orders: the drafts (:class:`~core.events.OrderDraft`).
    :return: problems; ``field`` is ``<index in the batch>.<field>`` (``0.rep_ref``,
        ``2.lines.0.unit_price``); a blocking one refuses its order, others are warnings.
    """


@hookspec
def crm_validate_payments(ctx: Ctx, payment: PaymentDraft) -> list[Problem] | None:
    """Check the payments about to be recorded on a pending order (loyalty: points balance).

    Every enabled module is asked and all problems are collected; a blocking one
    refuses the payment and nothing is written. The core has already checked that the
    amounts are positive, use the brand's methods and pay at most the balance due.
    ``payment.settles`` tells whether they complete the order (which then becomes paid
    and ``crm_order_paid`` fires) or are a deposit or instalment that leaves it pending:
    a module that acts only on ``crm_order_paid`` (points, coupons) refuses its method
    on a payment that does not settle.

    :param ctx: the acting brand and user.
    :param payment: the order and its payments (:class:`~core.events.PaymentDraft`).
    :return: problems found (``field`` like ``payments.0.amount``); None when satisfied.
    """


@hookspec
def crm_validate_products(ctx: Ctx, products: Sequence[ProductDraft]) -> list[Problem] | None:
    """Check products before they are created or changed (compliance: DS10 categories).

    Called with a batch (one product from a form, a file's worth from an import). Every
    enabled module is asked and **all problems are collected**; a blocking problem
    refuses its product.

    :param ctx: the acting brand and user.
    :param products: the drafts (:class:`~core.events.ProductDraft`).
    :return: problems; ``field`` is ``<index in the batch>.<field>`` (``0.category``).
    """


@hookspec
def crm_validate_rep_status(
    ctx: Ctx, rep_id: int, new_status: str, effective_on: dt.date
) -> list[Problem] | None:
    """Check a rep status change before it happens (compliance: eligibility to activate).

    :param ctx: the acting brand and user.
    :param rep_id: the rep whose status changes.
    :param new_status: the requested status.
    :param effective_on: the date the change takes effect.
    :return: problems found; a blocking one refuses the change.
    """


@hookspec
def crm_can_contact(ctx: Ctx, request: ContactRequest) -> dict[int, str] | None:
    """May these customers be contacted on this channel for this purpose?

    Asked by the core before it creates any outreach (birthday care, replenishment
    reminders, the monthly A-customer contact, follow-ups) and by modules before they send
    a message (``core.api.contact_refusals``). Combining: **any refusal refuses**; the
    refusals of every enabled module are merged, and each refused outreach is recorded
    (``directcrm customers blocked-outreach``).

    :param ctx: the acting brand and user.
    :param request: the customers, channel and purpose (:class:`~core.events.ContactRequest`;
        channel ``any`` means a rep's task, on a channel the rep will choose).
    :return: ``{customer_id: reason}`` for the customers that must not be contacted
        (customers left out may be); None to abstain.
    """


# ---------------------------------------------------------------------------------------
# Contributions: modules add views, commands, jobs and page sections
# ---------------------------------------------------------------------------------------


@hookspec
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """Add admin views and REST APIs to the web app (called once at start-up).

    Menus of a module are shown only to users whose brand enabled it.

    :param ctx: an installation-wide context (``ctx.brand`` is None).
    :param appbuilder: the Flask-AppBuilder instance.
    :return: nothing.
    """


@hookspec
def crm_cli_commands(ctx: Ctx) -> list[click.Command] | None:
    """Add commands to the ``directcrm`` CLI (called once at start-up, for every
    installed module; commands check per brand that the module is enabled).

    :param ctx: an installation-wide context (``ctx.brand`` is None).
    :return: click commands or groups.
    """


@hookspec
def crm_payment_methods(ctx: Ctx) -> list[str] | None:
    """Payment methods the module adds to the brand's own list (loyalty adds ``points``).

    A payment with a method nobody lists is refused, so a brand without the module cannot
    be paid with what only the module understands.

    :param ctx: the brand.
    :return: method codes.
    """


@hookspec
def crm_settings(ctx: Ctx) -> list[Setting] | None:
    """The module's brand settings, each declared once (:class:`core.settings.Setting`).

    Validation, ``directcrm settings ...`` and the Settings screen come from these
    declarations; read a value with ``get_setting(ctx, "area.key")``. Use the module's
    name as the area.

    :param ctx: the brand (settings of disabled modules are not listed).
    :return: the declarations.
    """


@hookspec
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob] | None:
    """Jobs that ``directcrm tick`` runs for the brand; each must be idempotent.

    :param ctx: the brand being ticked; ``ctx.now()`` is the tick time.
    :return: the jobs, run in module dependency order.
    """


@hookspec
def crm_import_kinds(ctx: Ctx) -> list[ImportKind] | None:
    """CSV import kinds the module adds (:class:`core.api.ImportKind`: name, label,
    columns, and ``run(ctx, path)``, all or nothing, raising :class:`core.api.RowErrors`
    for invalid rows).

    Each kind gets ``directcrm import NAME`` (unless the module adds that command itself)
    and a place on the web import page of the brands that enabled the module, where it
    runs as a background job with progress, the per-line errors and the rejects file.

    :param ctx: the brand (the kinds its import page lists), or an installation-wide
        context (``ctx.brand`` is None) when the CLI builds its commands: the answer must
        not depend on the brand.
    :return: the kinds.
    """


@hookspec
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection] | None:
    """Blocks for the customer 360° page (the loyalty module shows the points balance).

    :param ctx: the brand and the user viewing the page.
    :param customer_id: the customer shown.
    :return: sections, sorted by their ``order``.
    """


@hookspec
def crm_dashboard_sections(ctx: Ctx) -> list[ProfileSection] | None:
    """Blocks for the dashboard under the core's figures (the referral module shows this
    month's referral rate, funnel and reward cost).

    Called only for back-office users: a rep's dashboard shows their own figures, and a
    module block of brand-wide numbers would leak other reps' results.

    :param ctx: the brand and the user viewing the dashboard.
    :return: sections (escaped HTML), sorted by their ``order``.
    """


@hookspec
def crm_audit_kinds(ctx: Ctx) -> list[AuditKind] | None:
    """How the audit screen names the module's records and labels their fields, one
    :class:`core.api.AuditKind` per table (kind label, field labels, code labels, the
    record's name and page: see ``names_from`` and ``lookup_by``).

    Asked of every installed module, enabled or not, so that entries written while a
    module was enabled stay readable after it is disabled.

    :param ctx: the brand whose audit log is read (None: every brand).
    :return: the module's kinds.
    """


@hookspec
def crm_personal_data(ctx: Ctx, customer_id: int) -> list[DataPart] | None:
    """The module's personal data about a customer, for a data-subject export (P5).

    Called by ``core.api.personal_data`` after the core's own parts (profile, orders,
    returns, interactions, tasks, leads, audit entries); every part goes into the
    archive as JSON, as CSV and in the readable PDF.

    :param ctx: the brand; the acting user is the one preparing the export.
    :param customer_id: the customer (the survivor, if records were merged).
    :return: the module's parts, e.g. ``DataPart("loyalty_ledger", _("Points"), ...)``.
    """


@hookspec
def crm_erase_personal_data(ctx: Ctx, customer_ids: Sequence[int]) -> list[str] | None:
    """Erase or pseudonymise the module's personal data about these customers (P5, P6).

    Called inside the erasure's transaction, after the core has pseudonymised its own
    records. Keep what the law requires (transaction records, ledgers: sums unchanged),
    erase names, numbers and free text. Return the personal values the module held (names,
    ID numbers) so that the core can scrub them from the audit log too.

    :param ctx: the brand; the acting user is the one erasing.
    :param customer_ids: the customer and the records merged into it.
    :return: the personal values erased (texts), or None.
    """


@hookspec
def crm_rep_profile_sections(ctx: Ctx, rep_id: int) -> list[ProfileSection] | None:
    """Blocks for the rep page (the kyc module shows the rep's verified identity and pay
    account).

    :param ctx: the brand and the user viewing the page.
    :param rep_id: the rep shown.
    :return: sections, sorted by their ``order``.
    """


@hookspec
def crm_award_points(ctx: Ctx, awards: Sequence[PointsAward]) -> list[str] | None:
    """Give customers points from another module (the loyalty module answers; the
    referral module's rewards use it), each award once whatever the number of calls.

    :param ctx: the brand, inside the caller's write transaction.
    :param awards: the awards (:class:`~core.events.PointsAward`).
    :return: the ``source_ref`` of every award now credited or credited before; None when
        the module does not keep points for this brand.
    """


@hookspec
def crm_refund_requested_at(ctx: Ctx, return_ids: Sequence[int]) -> dict[int, dt.datetime] | None:
    """When the customer first asked for each of these refunds, where a module knows of an
    earlier request than the return's own ``requested_at`` (the complaints module: a
    complaint linked to the return). The compliance module starts DS8's and C1's refund
    clock at the earliest of the two.

    :param ctx: the brand being checked.
    :param return_ids: the returns (ids) whose refund clocks are being read.
    :return: ``{return_id: aware UTC time}`` for the returns the module knows; None
        abstains.
    """


@hookspec
def crm_rep_pay_items(ctx: Ctx, period_start: dt.date, period_end: dt.date) -> list[PayItem] | None:
    """Value that reached reps in the period, by source (points, rewards, perks...).

    The compliance module adds these to imported commissions to check the DS7 cap (rep pay
    at most 30% of the rep's own sales) and PY1 (no pay on recruiting or downline sales).

    :param ctx: the brand being checked.
    :param period_start: first day of the period, in the brand's timezone.
    :param period_end: last day of the period, inclusive.
    :return: pay items; each names the rep, the kind, the money value and its inputs.
    """


@hookspec
def crm_compliance_checks(
    ctx: Ctx, period_start: dt.date, period_end: dt.date
) -> list[ComplianceResult] | None:
    """Compliance check results for a period (:class:`core.events.ComplianceResult`).

    :param ctx: the brand being checked.
    :param period_start: first day of the period, in the brand's timezone.
    :param period_end: last day of the period, inclusive.
    :return: check results, each naming its rule ID from COMPLIANCE.md.
    """


# ---------------------------------------------------------------------------------------
# Signals: modules supply per-customer figures (churn-risk rules read them)
# ---------------------------------------------------------------------------------------


@hookspec
def crm_customer_satisfaction(
    ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[int, Decimal] | None:
    """Customers' average satisfaction score in a period (the complaints module answers
    from its surveys). The churn-risk rule ``satisfaction_down`` compares two periods.

    :param ctx: the brand being checked.
    :param customer_ids: the customers asked about (one call per batch).
    :param since: start of the period, UTC, inclusive.
    :param until: end of the period, UTC, exclusive.
    :return: ``{customer_id: score}`` for customers with a score in the period (higher is
        better, the same scale for every period), or None to abstain.
    """


@hookspec
def crm_customer_complaint_counts(
    ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[int, int] | None:
    """How many complaints each customer made in a period (the complaints module answers).
    The churn-risk rule ``complaints_rising`` compares two periods.

    :param ctx: the brand being checked.
    :param customer_ids: the customers asked about (one call per batch).
    :param since: start of the period, UTC, inclusive.
    :param until: end of the period, UTC, exclusive.
    :return: ``{customer_id: count}`` (a customer left out made none), or None to abstain.
    """


@hookspec
def crm_verified_birth_dates(ctx: Ctx, rep_ids: Sequence[int]) -> dict[int, dt.date] | None:
    """Reps' birth dates as verified on an identity document (the kyc module answers).
    The compliance module's DS1 (age) uses them instead of the declared ones, and flags a
    declared date that differs.

    :param ctx: the brand being checked.
    :param rep_ids: the reps asked about (one call per batch).
    :return: ``{rep_id: birth date}`` for reps with a verified date, or None to abstain.
    """
