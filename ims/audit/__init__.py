"""The audit trail: trigger-based, append-only below the application, tamper evident (sealed blocks)."""
