"""Placeholder: the demo organisation seed is being built."""

DEMO_LOGINS: list[tuple[str, str, str]] = []
