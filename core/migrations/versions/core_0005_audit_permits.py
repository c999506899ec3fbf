"""audit permits: the one sanctioned rewrite of audit entries (pseudonymisation)

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-29 13:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_permits'))
    )
    from core.audit.models import append_only_statements
    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    else:
        op.execute("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only' "
                   "USING ERRCODE = 'insufficient_privilege'; END $$")
    op.drop_table('audit_permits')
