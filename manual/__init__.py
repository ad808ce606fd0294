"""Step 3 — the IMS framework manual assembled from sections."""
