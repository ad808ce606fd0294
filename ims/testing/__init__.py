"""Generic test kits (NetBox style): factories and the site-isolation kit.

Nothing in this package is imported by the running portal; it is used by ``tests/``.
"""
