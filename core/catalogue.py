"""The product category codes every part of the product shares: the catalogue, the demo,
the README and the compliance rule packs (the CN pack's DS10 lists exactly these)."""

from __future__ import annotations

from core.i18n import N_

# The six categories permitted for direct selling in mainland China (COMPLIANCE.md DS10),
# with their labels. Other jurisdictions permit more; a brand may use other codes there.
PRODUCT_CATEGORIES: dict[str, str] = {
    "cosmetics": N_("Cosmetics"),
    "cleaning": N_("Cleaning and hygiene"),
    "health_food": N_("Health food"),
    "health_equipment": N_("Health equipment"),
    "kitchenware": N_("Small kitchenware"),
    "appliances": N_("Household appliances"),
}
