"""Step 6 — nonconformances and corrective and preventive actions."""
