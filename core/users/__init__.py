"""Staff accounts: which brand a web user belongs to (FAB owns the users and roles)."""
