"""loyalty tables keyed by brand: primary keys (id, brand_id), foreign keys with brand_id

Databases created before this revision get the keys that let the tables be distributed by
brand (Citus) and that make a reference to another brand's row impossible; on newer ones
the earlier revisions already create them and this step does nothing. Downgrading keeps the
keys: they are valid for the older code too.

Revision ID: loyalty_0002
Revises: loyalty_0001
Create Date: 2026-11-29
"""
from core.api import rekey_by_brand

revision = 'loyalty_0002'
down_revision = 'loyalty_0001'
branch_labels = None
depends_on = 'core_0008'

TABLES = {'loyalty_rewards': {},
 'loyalty_tiers': {},
 'loyalty_accounts': {'customer_id': 'customers', 'tier_id': 'loyalty_tiers'},
 'loyalty_tier_changes': {'new_tier_id': 'loyalty_tiers',
                          'old_tier_id': 'loyalty_tiers',
                          'customer_id': 'customers'},
 'loyalty_entries': {'order_id': 'orders', 'customer_id': 'customers'},
 'loyalty_allocations': {'entry_id': 'loyalty_entries', 'lot_id': 'loyalty_entries'},
 'loyalty_reward_redemptions': {'customer_id': 'customers',
                                'reward_id': 'loyalty_rewards',
                                'entry_id': 'loyalty_entries'}}


def upgrade() -> None:
    rekey_by_brand(TABLES)


def downgrade() -> None:
    pass
