"""Step 1 — IMS policy, objectives, responsibilities and acknowledgements."""
