"""KYC and consent: verified identities and a consent ledger that gates every contact."""

MANIFEST = {
    "name": "kyc",
    "version": "0.1.0",
    "summary": "Verified identities (ID check digits, refresh), consent notices and an "
               "append-only consent ledger that answers the contact gate.",
    "depends": [],
    # Customer service records consents and handles data requests; compliance officers
    # run the request queue and the register of assessments.
    "grants": {"customer_service": "write", "compliance_officer": "write"},
}
