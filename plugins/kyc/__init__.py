"""KYC and consent: verified identities and a consent ledger that gates every contact."""

MANIFEST = {
    "name": "kyc",
    "version": "0.1.0",
    "summary": "Verified identities (ID check digits, refresh), consent notices and an "
               "append-only consent ledger that answers the contact gate.",
    "depends": [],
}
