"""kyc tables keyed by brand: primary keys (id, brand_id), foreign keys with brand_id

Databases created before this revision get the keys that let the tables be distributed by
brand (Citus) and that make a reference to another brand's row impossible; on newer ones
the earlier revisions already create them and this step does nothing. Downgrading keeps the
keys: they are valid for the older code too.

Revision ID: kyc_0005
Revises: kyc_0004
Create Date: 2026-11-29
"""
from core.api import rekey_by_brand

revision = 'kyc_0005'
down_revision = 'kyc_0004'
branch_labels = None
depends_on = 'core_0008'

TABLES = {'kyc_assessments': {},
 'kyc_consent_notices': {},
 'kyc_bank_accounts': {'rep_id': 'reps'},
 'kyc_consents': {'customer_id': 'customers'},
 'kyc_identities': {'rep_id': 'reps', 'customer_id': 'customers'},
 'kyc_requests': {'customer_id': 'customers'},
 'kyc_verifications': {'identity_id': 'kyc_identities'}}


def upgrade() -> None:
    rekey_by_brand(TABLES)


def downgrade() -> None:
    pass
