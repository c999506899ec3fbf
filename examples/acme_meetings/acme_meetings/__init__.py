"""Product experience meetings (产品体验会): who was invited, who came, and who bought
afterwards. An example directcrm module, built only on the public API (``core.api``)."""

MANIFEST = {
    "name": "acme_meetings",
    "version": "0.1.0",
    "summary": "Product experience meetings: invitations, attendance and follow-up sales.",
    "depends": [],
}
