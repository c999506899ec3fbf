"""Compliance: jurisdiction rule packs, checks and PDF reports."""

MANIFEST = {
    "name": "compliance",
    "version": "0.1.0",
    "summary": "Jurisdiction rule packs (CN, TW, US, EU), checks, and compliance PDFs.",
    "depends": [],
}
