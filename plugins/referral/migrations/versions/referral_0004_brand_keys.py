"""referral tables keyed by brand: primary keys (id, brand_id), foreign keys with brand_id

Databases created before this revision get the keys that let the tables be distributed by
brand (Citus) and that make a reference to another brand's row impossible; on newer ones
the earlier revisions already create them and this step does nothing. Downgrading keeps the
keys: they are valid for the older code too.

Revision ID: referral_0004
Revises: referral_0003
Create Date: 2026-11-29
"""
from core.api import rekey_by_brand

revision = 'referral_0004'
down_revision = 'referral_0003'
branch_labels = None
depends_on = 'core_0008'

TABLES = {'referral_codes': {'customer_id': 'customers'},
 'referral_link_views': {'code_id': 'referral_codes'},
 'referrals': {'order_id': 'orders', 'referrer_id': 'customers', 'referred_id': 'customers'},
 'referral_rewards': {'referral_id': 'referrals', 'customer_id': 'customers'},
 'referral_coupons': {'customer_id': 'customers', 'reward_id': 'referral_rewards'},
 'referral_coupon_uses': {'coupon_id': 'referral_coupons', 'order_id': 'orders'}}


def upgrade() -> None:
    rekey_by_brand(TABLES)


def downgrade() -> None:
    pass
