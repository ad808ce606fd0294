"""Inspection — inspector access and PDF evidence packs."""
