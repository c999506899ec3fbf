"""Business logic. Every function takes ``ctx``; views, APIs, the CLI and imports call these."""
