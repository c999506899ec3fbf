"""core tables keyed by brand: primary keys (id, brand_id), foreign keys with brand_id

Databases created before this revision get the keys that let the tables be distributed by
brand (Citus) and that make a reference to another brand's row impossible; on newer ones
the earlier revisions already create them and this step does nothing. Downgrading keeps the
keys: they are valid for the older code too.

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-11-29
"""
from core.distribution import rekey_by_brand

revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None

TABLES = {'job_runs': {},
 'products': {},
 'reps': {'sponsor_id': 'reps'},
 'customers': {'merged_into_id': 'customers', 'rep_id': 'reps'},
 'handovers': {'from_rep_id': 'reps'},
 'rep_status_changes': {'rep_id': 'reps'},
 'customer_segment_changes': {'customer_id': 'customers'},
 'customer_segments': {'customer_id': 'customers'},
 'customer_tags': {'customer_id': 'customers'},
 'handover_items': {'from_rep_id': 'reps', 'handover_id': 'handovers', 'to_rep_id': 'reps'},
 'interactions': {'customer_id': 'customers', 'rep_id': 'reps'},
 'leads': {'rep_id': 'reps', 'referrer_customer_id': 'customers', 'customer_id': 'customers'},
 'orders': {'rep_id': 'reps', 'customer_id': 'customers'},
 'outreach_refusals': {'customer_id': 'customers'},
 'tasks': {'customer_id': 'customers', 'rep_id': 'reps'},
 'lead_assignments': {'to_rep_id': 'reps', 'from_rep_id': 'reps', 'lead_id': 'leads'},
 'lead_contacts': {'lead_id': 'leads', 'rep_id': 'reps'},
 'order_lines': {'order_id': 'orders', 'product_id': 'products'},
 'payments': {'order_id': 'orders'},
 'returns': {'order_id': 'orders'},
 'return_lines': {'return_id': 'returns', 'product_id': 'products'}}


def upgrade() -> None:
    rekey_by_brand(TABLES)


def downgrade() -> None:
    pass
