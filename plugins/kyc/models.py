"""KYC and consent tables. Every table carries ``brand_id`` and has it in every unique key.

The consent ledger (``kyc_consents``) and the verifications (``kyc_verifications``) are
append-only: a withdrawal is a new ``withdrawn`` record, a refresh a new verification. The
state of a consent (customer, purpose, channel) at a moment is its latest record at or
before that moment; at the same instant a withdrawal wins.

Identity numbers and legal names are encrypted (``EncryptedText``) with a keyed lookup hash
beside the number, for exact matching and duplicate detection without decrypting.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Base, BrandScoped, EncryptedText, UTCDateTime, brand_foreign_key


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda c: [m.value for m in c],
                native_enum=False, length=24)


class Purpose(enum.StrEnum):
    """What a consent is for (P1, P2)."""

    MARKETING = "marketing"
    CARE = "care"
    SERVICE = "service"
    PROFILING = "profiling"
    SENSITIVE_DATA = "sensitive_data"
    THIRD_PARTY = "third_party"
    CROSS_BORDER = "cross_border"


class Channel(enum.StrEnum):
    """How the customer may be contacted under a consent."""

    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"
    PHONE = "phone"
    VISIT = "visit"


class ConsentAction(enum.StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentSource(enum.StrEnum):
    """Where an answer was captured."""

    WEB = "web"
    REP = "rep"
    IMPORT = "import"
    API = "api"
    CLI = "cli"


class IdType(enum.StrEnum):
    """Identity documents accepted for verification."""

    CN_RESIDENT_ID = "cn_resident_id"          # 居民身份证
    TW_NATIONAL_ID = "tw_national_id"          # 中華民國國民身分證
    HK_MO_PERMIT = "hk_mo_permit"              # 港澳居民来往内地通行证
    TW_PERMIT = "tw_permit"                    # 台湾居民来往大陆通行证
    PASSPORT = "passport"
    CN_USCC = "cn_uscc"                        # 统一社会信用代码 (business customers)


class VerificationMethod(enum.StrEnum):
    SMS = "sms"
    FACE = "face"
    ONSITE = "onsite"
    BANK_CARD = "bank_card"


class ConsentNotice(BrandScoped, Base):
    """A versioned notice text for a purpose in one language (P1)."""

    __tablename__ = "kyc_consent_notices"
    __table_args__ = (UniqueConstraint("brand_id", "purpose", "version", "locale"),)

    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose, "kyc_purpose"))
    version: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    # A material change asks everyone who consented to an earlier version again.
    material: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsentRecord(BrandScoped, Base):
    """One answer in the append-only consent ledger."""

    __tablename__ = "kyc_consents"
    __table_args__ = (
        UniqueConstraint("brand_id", "customer_id", "purpose", "channel", "action", "at"),
        Index("ix_kyc_consents_lookup", "brand_id", "customer_id", "purpose", "channel", "at"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int]
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose, "kyc_purpose"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "kyc_channel"))
    action: Mapped[ConsentAction] = mapped_column(_enum(ConsentAction, "kyc_consent_action"))
    notice_version: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[ConsentSource] = mapped_column(_enum(ConsentSource, "kyc_consent_source"))
    evidence: Mapped[str | None] = mapped_column(Text)
    guardian_name: Mapped[str | None] = mapped_column(EncryptedText)  # P3: under-age consent
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Identity(BrandScoped, Base):
    """A customer's or rep's identity document (one per document type and person)."""

    __tablename__ = "kyc_identities"
    __table_args__ = (
        UniqueConstraint("brand_id", "customer_id", "id_type"),
        UniqueConstraint("brand_id", "rep_id", "id_type"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("rep_id", "reps"),
    )

    customer_id: Mapped[int | None]
    rep_id: Mapped[int | None]
    id_type: Mapped[IdType] = mapped_column(_enum(IdType, "kyc_id_type"))
    number: Mapped[str] = mapped_column(EncryptedText)
    number_hash: Mapped[str] = mapped_column(String(64), index=True)
    legal_name: Mapped[str | None] = mapped_column(EncryptedText)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)  # read from the number, if any
    region: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Verification(BrandScoped, Base):
    """One check of an identity (append-only); the latest passed one is in force."""

    __tablename__ = "kyc_verifications"
    __table_args__ = (
        UniqueConstraint("brand_id", "identity_id", "verified_at"),
        brand_foreign_key("identity_id", "kyc_identities"),
    )

    identity_id: Mapped[int] = mapped_column(index=True)
    method: Mapped[VerificationMethod] = mapped_column(
        _enum(VerificationMethod, "kyc_verification_method"))
    passed: Mapped[bool] = mapped_column(Boolean)
    verified_by: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    evidence_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RequestKind(enum.StrEnum):
    """What a data subject asks for (P5)."""

    ACCESS = "access"
    EXPORT = "export"
    CORRECT = "correct"
    DELETE = "delete"
    PORTABILITY = "portability"
    EXPLAIN = "explain"
    WITHDRAW = "withdraw"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"


class DataRequest(BrandScoped, Base):
    """A data-subject request with its legal deadline (P5)."""

    __tablename__ = "kyc_requests"
    __table_args__ = (
        UniqueConstraint("brand_id", "request_ref"),
        Index("ix_kyc_requests_open", "brand_id", "status", "due_on"),
        brand_foreign_key("customer_id", "customers"),
    )

    request_ref: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind, "kyc_request_kind"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[dt.date] = mapped_column(Date)
    extended_to: Mapped[dt.date | None] = mapped_column(Date)
    identity_check: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "kyc_request_status"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(Text)  # what was done, or why refused
    created_by: Mapped[str] = mapped_column(String(64))


class Assessment(BrandScoped, Base):
    """A personal-information impact assessment (P7): kept at least three years."""

    __tablename__ = "kyc_assessments"
    __table_args__ = (UniqueConstraint("brand_id", "assessment_ref"),)

    assessment_ref: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(Text)  # what processing was assessed
    # sensitive_data, automated_decision, sharing, publishing, cross_border, other
    trigger: Mapped[str] = mapped_column(String(32))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text)
    review_on: Mapped[dt.date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BankAccount(BrandScoped, Base):
    """The account a rep is paid into: the holder must be the rep's verified name."""

    __tablename__ = "kyc_bank_accounts"
    __table_args__ = (
        UniqueConstraint("brand_id", "rep_id"),
        brand_foreign_key("rep_id", "reps"),
    )

    rep_id: Mapped[int]
    holder_name: Mapped[str] = mapped_column(EncryptedText)
    account_number: Mapped[str] = mapped_column(EncryptedText)
    account_hash: Mapped[str] = mapped_column(String(64), index=True)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
