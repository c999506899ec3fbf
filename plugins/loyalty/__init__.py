"""Loyalty: membership tiers and a points ledger."""

MANIFEST = {
    "name": "loyalty",
    "version": "0.1.0",
    "summary": "Membership tiers, points earned on purchases, redemption and expiry.",
    "depends": [],
}
