"""Complaint tables; every one carries ``brand_id``, in every unique key too.

A ticket's SLA due times are stored (for the queue and the escalation job) and recomputed
from the opening whenever what they depend on changes: the severity, a pause ending, the
brand's calendar (a closure), the policy. Pauses are their own rows, so the working time
inside them is always recounted on the calendar of the day. Timeline entries are
append-only; a warning, breach or escalation has a unique ``key`` so it is recorded once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Base, BrandScoped, EncryptedText, UTCDateTime, brand_foreign_key

CHANNELS = ("phone", "wechat", "email", "web_form", "in_person", "rep")
CATEGORIES = ("product_quality", "adverse_reaction", "delivery", "rep_conduct",
              "return_refund", "billing", "privacy", "other")
SEVERITIES = ("critical", "high", "normal", "low")
STATUSES = ("new", "responded", "in_progress", "waiting_on_customer", "resolved", "closed")
RESOLUTIONS = ("refund", "replacement", "apology", "compensation", "no_action")
OPEN_STATUSES = ("new", "responded", "in_progress", "waiting_on_customer")


class Ticket(BrandScoped, Base):
    """A complaint: who, about what, how serious, where it stands and its SLA times."""

    __tablename__ = "complaints_tickets"
    __table_args__ = (
        UniqueConstraint("brand_id", "ref"),
        Index("ix_complaints_tickets_brand_status", "brand_id", "status"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("order_id", "orders"),
        brand_foreign_key("return_id", "returns"),
        brand_foreign_key("rep_id", "reps"),
    )

    ref: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(index=True)
    caller_name: Mapped[str | None] = mapped_column(EncryptedText)
    caller_phone: Mapped[str | None] = mapped_column(EncryptedText)
    order_id: Mapped[int | None]
    return_id: Mapped[int | None]
    rep_id: Mapped[int | None] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    assignee: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(100))  # the first responder (首问负责)
    resolution: Mapped[str | None] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_response_due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolution_due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    escalation_due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)  # on the resolution clock
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TicketPause(BrandScoped, Base):
    """A time the ticket waited on the customer (``ended_at`` None: waiting now)."""

    __tablename__ = "complaints_pauses"
    __table_args__ = (
        brand_foreign_key("ticket_id", "complaints_tickets"),
    )

    ticket_id: Mapped[int] = mapped_column(index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TicketEntry(BrandScoped, Base):
    """One line of a ticket's timeline: a reply to the customer, an internal note, a change
    (status, severity, assignee, owner), a warning, a breach or an escalation."""

    __tablename__ = "complaints_entries"
    __table_args__ = (
        UniqueConstraint("brand_id", "key"),
        Index("ix_complaints_entries_ticket", "brand_id", "ticket_id", "at"),
        brand_foreign_key("ticket_id", "complaints_tickets"),
    )

    ticket_id: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)
    old: Mapped[str | None] = mapped_column(String(100))
    new: Mapped[str | None] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(120))  # once-only events: "<id>:breach:..."


class Closure(BrandScoped, Base):
    """A day the brand's service is closed (its own holiday, a move, a system outage)."""

    __tablename__ = "complaints_closures"
    __table_args__ = (UniqueConstraint("brand_id", "day"),)

    day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


SURVEY_KINDS = ("csat", "nps", "ces")


class Survey(BrandScoped, Base):
    """A satisfaction survey sent to a customer: CSAT after a resolved ticket, NPS to the
    monthly sample, CES after a service contact. ``source_key`` makes each one sent once
    (``csat:<ticket>``, ``nps:<YYYY-MM>:<customer>``, ``ces:<interaction>``); the answer is
    written once, through a one-time link that expires."""

    __tablename__ = "complaints_surveys"
    __table_args__ = (
        UniqueConstraint("brand_id", "source_key"),
        UniqueConstraint("brand_id", "nonce"),
        Index("ix_complaints_surveys_brand_kind_answered", "brand_id", "kind",
              "answered_at"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("rep_id", "reps"),
        brand_foreign_key("ticket_id", "complaints_tickets"),
    )

    kind: Mapped[str] = mapped_column(String(8))
    source_key: Mapped[str] = mapped_column(String(120))
    nonce: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(index=True)
    rep_id: Mapped[int | None]
    ticket_id: Mapped[int | None]
    category: Mapped[str | None] = mapped_column(String(24))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    questions: Mapped[str | None] = mapped_column(Text)  # the template's extra questions, JSON
    answers: Mapped[str | None] = mapped_column(Text)    # their answers, JSON {key: value}


class SurveyTemplate(BrandScoped, Base):
    """A brand's extra questions for a kind of survey (JSON, validated by
    ``surveys.check_questions``): with the kind's scored question, at most 15."""

    __tablename__ = "complaints_survey_templates"
    __table_args__ = (UniqueConstraint("brand_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(8))
    questions: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
