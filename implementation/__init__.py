"""Step 5 — site rollout plans, KPIs and employee feedback."""
