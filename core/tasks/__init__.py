"""Rule-driven tasks for reps and the rep's "today" list."""
