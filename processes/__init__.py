"""Step 2 — process maps, standards and clause libraries, gap analysis."""
