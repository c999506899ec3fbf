"""compliance tables keyed by brand: primary keys (id, brand_id), foreign keys with brand_id

Databases created before this revision get the keys that let the tables be distributed by
brand (Citus) and that make a reference to another brand's row impossible; on newer ones
the earlier revisions already create them and this step does nothing. Downgrading keeps the
keys: they are valid for the older code too.

Revision ID: compliance_0002
Revises: compliance_0001
Create Date: 2026-11-29
"""
from core.api import rekey_by_brand

revision = 'compliance_0002'
down_revision = 'compliance_0001'
branch_labels = None
depends_on = 'core_0008'

TABLES = {'compliance_reports': {}, 'compliance_rep_pay': {'rep_id': 'reps'}}


def upgrade() -> None:
    rekey_by_brand(TABLES)


def downgrade() -> None:
    pass
