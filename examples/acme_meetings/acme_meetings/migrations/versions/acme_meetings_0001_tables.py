"""acme_meetings tables

Revision ID: acme_meetings_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
import core.db

revision = "acme_meetings_0001"
down_revision = None
branch_labels = ("acme_meetings",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "acme_meetings_meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("meeting_ref", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"],
                                name=op.f("fk_acme_meetings_meetings_brand_id_brands")),
        sa.PrimaryKeyConstraint("id", "brand_id", name=op.f("pk_acme_meetings_meetings")),
        sa.UniqueConstraint("brand_id", "meeting_ref",
                            name=op.f("uq_acme_meetings_meetings_brand_id_meeting_ref")),
    )
    op.create_index(op.f("ix_acme_meetings_meetings_brand_id"), "acme_meetings_meetings",
                    ["brand_id"])
    op.create_table(
        "acme_meetings_attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("invited", "attended", "absent",
                                    name="acme_meetings_status", native_enum=False, length=16),
                  nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"],
                                name=op.f("fk_acme_meetings_attendance_brand_id_brands")),
        sa.ForeignKeyConstraint(["customer_id", "brand_id"], ["customers.id", "customers.brand_id"],
                                name=op.f("fk_acme_meetings_attendance_customer_id_customers")),
        sa.ForeignKeyConstraint(["meeting_id", "brand_id"], ["acme_meetings_meetings.id", "acme_meetings_meetings.brand_id"],
                                name=op.f("fk_acme_meetings_attendance_meeting_id_acme_meetings_meetings")),
        sa.ForeignKeyConstraint(["order_id", "brand_id"], ["orders.id", "orders.brand_id"],
                                name=op.f("fk_acme_meetings_attendance_order_id_orders")),
        sa.PrimaryKeyConstraint("id", "brand_id", name=op.f("pk_acme_meetings_attendance")),
        sa.UniqueConstraint("brand_id", "meeting_id", "customer_id",
                            name=op.f("uq_acme_meetings_attendance_brand_id_meeting_id_customer_id")),
    )
    op.create_index(op.f("ix_acme_meetings_attendance_brand_id"), "acme_meetings_attendance",
                    ["brand_id"])
    op.create_index(op.f("ix_acme_meetings_attendance_customer_id"), "acme_meetings_attendance",
                    ["customer_id"])


def downgrade() -> None:
    op.drop_table("acme_meetings_attendance")
    op.drop_table("acme_meetings_meetings")
