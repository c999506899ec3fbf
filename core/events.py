"""Event payloads passed to hooks.

Plain frozen dataclasses, not ORM rows: a bulk import fires events for rows it inserted with
Core statements, and a plugin must not depend on the core's mapped classes to react.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    """A customer created or updated."""

    customer_id: int
    customer_ref: str
    rep_id: int | None
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderPaid:
    """An order that became paid. ``points_amount`` is the share paid with loyalty points."""

    order_id: int
    order_ref: str
    customer_id: int
    rep_id: int | None
    ordered_at: dt.datetime
    paid_at: dt.datetime
    amount: Decimal
    points_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class OrderDraftLine:
    """One line of an order about to be recorded."""

    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal
    list_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """An order about to be recorded (``crm_validate_orders``): validated input with the
    customer and rep resolved (a merged customer's ref resolves to the survivor)."""

    order_ref: str
    customer_id: int
    rep_id: int | None
    ordered_at: dt.datetime
    channel: str | None
    region: str | None
    status: str
    total_amount: Decimal
    lines: tuple[OrderDraftLine, ...]


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment of an order: its method (``cash``, ``points``...) and amount."""

    method: str
    amount: Decimal
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """The payments about to be recorded on a pending order, for ``crm_validate_payments``.

    ``settles`` is true when they pay what is left of the total (the order becomes paid
    and ``crm_order_paid`` fires); false for a deposit or an instalment, after which the
    order stays pending. ``paid_before`` is what earlier payments of the order add up to.
    """

    order_id: int
    order_ref: str
    customer_id: int
    total: Decimal
    paid_at: dt.datetime
    payments: tuple[PaymentLine, ...]
    settles: bool = True
    paid_before: Decimal = Decimal("0.00")

    def amount_by(self, method: str) -> Decimal:
        """What the payments of ``method`` add up to."""
        return sum((p.amount for p in self.payments if p.method == method), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    """An order cancelled; ``was_paid`` tells whether it had been paid before."""

    order_id: int
    order_ref: str
    customer_id: int
    rep_id: int | None
    cancelled_at: dt.datetime
    was_paid: bool
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """One product line of a refund."""

    sku: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderRefunded:
    """Money given back for (part of) a paid order. ``refunded_total`` is what the order's
    refunds add up to at this refund's time, this one included (a module's pro-rata
    reversal needs no query of its own)."""

    return_id: int
    return_ref: str
    order_id: int
    order_ref: str
    customer_id: int
    rep_id: int | None
    order_amount: Decimal
    amount: Decimal
    requested_at: dt.datetime
    refunded_at: dt.datetime
    lines: tuple[RefundedLine, ...] = ()
    refunded_total: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class RepStatusChanged:
    """A rep's status transition, effective on a date."""

    rep_id: int
    rep_ref: str
    old_status: str | None
    new_status: str
    effective_on: dt.date


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """A product about to be created or changed (``crm_validate_products``)."""

    sku: str
    name: str
    category: str
    list_price: Decimal
    active: bool = True


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """Outreach the core or a module is about to make (``crm_can_contact``).

    ``purpose``: ``care`` (birthday, monthly contact), ``marketing`` (replenishment,
    reactivation, offers) or ``service`` (order follow-up, a complaint answer).
    ``channel``: ``any`` (a task for the rep), ``call``, ``sms``, ``wechat``, ``email``,
    ``visit``. ``kind`` names what would be created (a task kind, a message type).
    """

    customer_ids: tuple[int, ...]
    channel: str
    purpose: str
    kind: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A decision hook's objection: the rule or field, the message, and whether it blocks."""

    code: str
    message: str
    field: str | None = None
    blocking: bool = True


@dataclass(frozen=True, slots=True)
class ProfileSection:
    """A block contributed to the customer 360° page."""

    key: str
    title: str
    html: str
    order: int = 100


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A job run by ``directcrm tick`` for a brand when it is due; must be idempotent.

    ``schedule``: ``"daily HH:MM"`` (brand-local time), ``"hourly"`` or
    ``"every N minutes"`` (N from 1 to 1440). A tick runs a job once per due slot, however
    many ticks run at the same time; ``tick --all`` runs every job regardless.
    """

    name: str
    run: object  # Callable[[Ctx], JobResult | None]; typed loosely to avoid an import cycle
    description: str = ""
    schedule: str = "daily 02:00"


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """A customer's segment moved (``old`` is None the first time it is computed)."""

    customer_id: int
    old: str | None
    new: str
    as_of: dt.date


@dataclass(frozen=True, slots=True)
class HandoverMove:
    """One record handed from a leaving rep to another: ``kind`` customer, task or lead."""

    kind: str
    record_id: int
    to_rep_id: int


@dataclass(frozen=True, slots=True)
class PayItem:
    """Value paid to a rep. ``inputs`` names what the pay rule read (``own_sales``,
    ``points``...); reading ``sponsor_tree``, ``recruit_count`` or ``downline_sales`` is a
    PY1 failure under CN."""

    rep_id: int
    period: str
    kind: str
    amount: Decimal
    source: str
    inputs: tuple[str, ...] = ("own_sales",)


@dataclass(frozen=True, slots=True)
class ComplianceResult:
    """The outcome of one compliance check for a period (``crm_compliance_checks``).

    ``rule_id`` is an ID from COMPLIANCE.md; ``status`` is ``pass``, ``fail``, ``warn`` or
    ``not_applicable``. ``checked`` counts what was looked at, ``failed`` what broke the
    rule. ``columns`` and ``records`` list the offending records (raw values: Decimal
    money, dates, text; the report formats them); ``figures`` are labelled key numbers
    (label → value) shown under the rule.
    """

    rule_id: str
    status: str
    title: str = ""
    checked: int = 0
    failed: int = 0
    columns: tuple[str, ...] = ()
    records: tuple[tuple[object, ...], ...] = ()
    figures: tuple[tuple[str, object], ...] = ()
    source: str = ""
    module: str = ""


@dataclass(frozen=True, slots=True)
class DataPart:
    """Personal data held about a customer, as one table of an export (P5).

    ``key`` names the part (and its CSV file), ``title`` is shown in the readable copy,
    ``columns`` name the values of each row (plain JSON-able values: text, numbers,
    dates, Decimals). ``codes`` names the label family (``core.labels``) of each column
    that holds codes, or ``"text"`` for a text stored in the writer's language (see
    ``register_stored_texts``): the readable copy shows their labels, in the reader's
    language, the JSON and CSV the values as stored.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    codes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PointsAward:
    """Points a module gives a customer (a referral reward). ``source`` names the module's
    kind of award and ``source_ref`` makes it unique: the same award is credited once."""

    customer_id: int
    points: int
    source: str
    source_ref: str
    reason: str = ""
    effective_at: dt.datetime | None = None
