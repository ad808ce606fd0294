"""Step 6 — internal audit programmes, audits, checklists and findings."""
