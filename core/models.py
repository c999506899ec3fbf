"""Core tables. Every business table carries ``brand_id`` and has it in every unique key."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedText
from core.db import Base, BrandScoped, Money, UTCDateTime, brand_foreign_key, placed_as


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Store the value (lower-case words), readable in SQL and stable across renames.
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e],
                native_enum=False, length=20)


class Jurisdiction(enum.StrEnum):
    CN = "CN"
    TW = "TW"
    US = "US"
    EU = "EU"


class RepStatus(enum.StrEnum):
    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


class LifecycleStage(enum.StrEnum):
    PROSPECT = "prospect"
    FIRST_PURCHASE = "first_purchase"
    REPEAT = "repeat"
    ADVOCATE = "advocate"
    CHURNED = "churned"


class InteractionKind(enum.StrEnum):
    VISIT = "visit"
    CALL = "call"
    MESSAGE = "message"
    NOTE = "note"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Brand(Base):
    """A direct-selling company hosted on this installation."""

    __tablename__ = "brands"
    __table_args__ = (placed_as("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    default_locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    jurisdiction: Mapped[Jurisdiction] = mapped_column(_enum(Jurisdiction, "jurisdiction"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    modules: Mapped[list[BrandModule]] = relationship(back_populates="brand")


class BrandModule(Base):
    """Whether a module is enabled for a brand. Rows are kept when a module is disabled."""

    __tablename__ = "brand_modules"
    __table_args__ = (
        UniqueConstraint("brand_id", "module"),
        placed_as("reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(120))

    brand: Mapped[Brand] = relationship(back_populates="modules")


class Rep(BrandScoped, Base):
    """An independent seller (直销员). The rep_ref ties customers, sales and rep records."""

    __tablename__ = "reps"
    __table_args__ = (
        UniqueConstraint("brand_id", "rep_ref"),
        brand_foreign_key("sponsor_id", "reps"),
    )

    rep_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(64))
    territory: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RepStatus] = mapped_column(_enum(RepStatus, "rep_status"),
                                              default=RepStatus.APPLICANT)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    certificate_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    certificate_valid_until: Mapped[dt.date | None] = mapped_column(Date)
    # Relationship history only: nothing that computes pay may read it (COMPLIANCE PY1).
    sponsor_id: Mapped[int | None]
    capacity: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RepStatusChange(BrandScoped, Base):
    """A dated transition of a rep's status (append-only history)."""

    __tablename__ = "rep_status_changes"
    __table_args__ = (
        brand_foreign_key("rep_id", "reps"),
    )

    rep_id: Mapped[int] = mapped_column(index=True)
    old_status: Mapped[RepStatus | None] = mapped_column(_enum(RepStatus, "rep_status"))
    new_status: Mapped[RepStatus] = mapped_column(_enum(RepStatus, "rep_status"))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(120))


class Customer(BrandScoped, Base):
    """A consumer. The record belongs to the brand; the owning rep can change."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("brand_id", "customer_ref"),
        # the customer list's order (newest first) without sorting the whole brand
        Index("ix_customers_brand_created", "brand_id", "created_at", "id"),
        brand_foreign_key("rep_id", "reps"),
        brand_foreign_key("merged_into_id", "customers"),
    )

    customer_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    wechat_id: Mapped[str | None] = mapped_column(EncryptedText)
    wechat_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    source_channel: Mapped[str | None] = mapped_column(String(32))
    rep_id: Mapped[int | None] = mapped_column(index=True)
    lifecycle_stage: Mapped[LifecycleStage] = mapped_column(
        _enum(LifecycleStage, "lifecycle_stage"), default=LifecycleStage.PROSPECT)
    # Set when this record was merged into another; the survivor keeps the history.
    merged_into_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # What the customer search matches: ref, name and e-mail, lower-cased once by the
    # database on every write (so every insert path, bulk or not, keeps it right) instead
    # of three case-insensitive comparisons per row per search.
    search_text: Mapped[str] = mapped_column(
        String(530), Computed("lower(customer_ref || ' ' || name || ' ' || "
                              "coalesce(email, ''))", persisted=True))

    # Relationships name the id column only: brand_id is the row's own, never copied from
    # the related row (it is part of every composite foreign key, see BrandScoped).
    rep: Mapped[Rep | None] = relationship(foreign_keys="Customer.rep_id")
    tags: Mapped[list[CustomerTag]] = relationship(
        back_populates="customer", cascade="all, delete-orphan",
        foreign_keys="CustomerTag.customer_id")


class CustomerTag(BrandScoped, Base):
    """A tag on a customer (basic, behaviour, needs, value...)."""

    __tablename__ = "customer_tags"
    __table_args__ = (
        UniqueConstraint("brand_id", "customer_id", "tag"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int] = mapped_column(index=True)
    tag: Mapped[str] = mapped_column(String(64))

    customer: Mapped[Customer] = relationship(back_populates="tags",
                                              foreign_keys="CustomerTag.customer_id")


class Product(BrandScoped, Base):
    """A catalogue item. ``replenish_days`` drives replenishment reminders."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("brand_id", "sku"),)

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    list_price: Mapped[Decimal] = mapped_column(Money)
    replenish_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Order(BrandScoped, Base):
    """A sale to a customer, credited to a rep."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("brand_id", "order_ref"),
        Index("ix_orders_brand_customer_ordered", "brand_id", "customer_id", "ordered_at"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("rep_id", "reps"),
    )

    order_ref: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int]
    rep_id: Mapped[int | None] = mapped_column(index=True)
    ordered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(foreign_keys="Order.customer_id")
    rep: Mapped[Rep | None] = relationship(foreign_keys="Order.rep_id")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.line_no",
        foreign_keys="OrderLine.order_id")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", foreign_keys="Payment.order_id")
    returns: Mapped[list[Return]] = relationship(back_populates="order",
                                                 foreign_keys="Return.order_id")


class OrderLine(BrandScoped, Base):
    """One product line of an order."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("brand_id", "order_id", "line_no"),
        brand_foreign_key("order_id", "orders"),
        brand_foreign_key("product_id", "products"),
    )

    order_id: Mapped[int] = mapped_column(index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines", foreign_keys="OrderLine.order_id")
    product: Mapped[Product] = relationship(foreign_keys="OrderLine.product_id")


class Payment(BrandScoped, Base):
    """Money received for an order. ``method`` 'points' marks a loyalty-paid share."""

    __tablename__ = "payments"
    __table_args__ = (
        brand_foreign_key("order_id", "orders"),
    )

    order_id: Mapped[int] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(120))

    order: Mapped[Order] = relationship(back_populates="payments", foreign_keys="Payment.order_id")


class Return(BrandScoped, Base):
    """An after-sales return with its refund (退货退款)."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("brand_id", "return_ref"),
        brand_foreign_key("order_id", "orders"),
    )

    return_ref: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="returns", foreign_keys="Return.order_id")
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="ret", cascade="all, delete-orphan", foreign_keys="ReturnLine.return_id")


class ReturnLine(BrandScoped, Base):
    """A returned quantity of one product, with the amount refunded for it."""

    __tablename__ = "return_lines"
    __table_args__ = (
        UniqueConstraint("brand_id", "return_id", "product_id"),
        brand_foreign_key("return_id", "returns"),
        brand_foreign_key("product_id", "products"),
    )

    return_id: Mapped[int] = mapped_column(index=True)
    product_id: Mapped[int]
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)

    ret: Mapped[Return] = relationship(back_populates="lines", foreign_keys="ReturnLine.return_id")
    product: Mapped[Product] = relationship(foreign_keys="ReturnLine.product_id")


class Interaction(BrandScoped, Base):
    """A contact with a customer (客史记录): visit, call, message or note."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_brand_customer_at", "brand_id", "customer_id", "occurred_at"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("rep_id", "reps"),
    )

    customer_id: Mapped[int]
    rep_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind, "interaction_kind"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))


class Task(BrandScoped, Base):
    """A follow-up for a rep, with a due time. ``rule_key`` makes generated tasks unique."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("brand_id", "rule_key"),
        Index("ix_tasks_brand_owner_status_due", "brand_id", "rep_id", "status", "due_at"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("rep_id", "reps"),
    )

    customer_id: Mapped[int | None] = mapped_column(index=True)
    rep_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="follow_up")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, "task_status"),
                                               default=TaskStatus.OPEN)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rule_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class OutreachRefusal(BrandScoped, Base):
    """An outreach the contact gate (``crm_can_contact``) refused: the task or message was
    not created. ``source_key`` (e.g. the task's rule key) makes a refusal recorded once."""

    __tablename__ = "outreach_refusals"
    __table_args__ = (
        UniqueConstraint("brand_id", "source_key"),
        Index("ix_outreach_refusals_brand_at", "brand_id", "refused_at"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    refused_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class JobRunRecord(BrandScoped, Base):
    """One run of a scheduled job for a brand and a due slot (``2026-03-02`` for a daily
    job, ``2026-03-02T10`` hourly). The unique key is the claim: two ticks at the same time
    insert the same slot and only one runs the job."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("brand_id", "module", "job", "slot"),
        Index("ix_job_runs_brand_job_started", "brand_id", "module", "job", "started_at"),
    )

    module: Mapped[str] = mapped_column(String(64))
    job: Mapped[str] = mapped_column(String(120))
    slot: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # running, ok, failed
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
