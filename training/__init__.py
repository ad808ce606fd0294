"""Step 4 — training matrix, assignments, sessions and competency assessments."""
