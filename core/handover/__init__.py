"""Customer ownership moves: rep offboarding, handover records, the protection period."""
