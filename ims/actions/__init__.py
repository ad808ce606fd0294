"""Tracked actions and the registry of action kinds.

A domain app that finds something to fix (a gap, a finding) raises an action through
``ims.actions.registry.action_raise`` with a *kind*; each kind is registered by the app that owns it
(e.g. step 6 registers "capa" to open a CAPA). The kernel's own kind, ``"action"``, is a simple tracked
action (``ims.actions.models.Action``), so actions work before any other kind exists. The kernel never
imports the domain apps: they register with it.
"""
