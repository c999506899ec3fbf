"""Referral: customers bringing customers, rewarded on real paid orders, one level only."""

MANIFEST = {
    "name": "referral",
    "version": "0.1.0",
    "summary": "Referral codes, attribution, two-sided tiered rewards on qualified first "
               "orders, fraud checks and review (R1, DS7, PY1).",
    "depends": [],
    # Customer service records referrals and works the review queue.
    "grants": {"customer_service": "write"},
}
