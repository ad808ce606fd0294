"""Panels the apps add to an inspector grant's page (the request board of the inspection): the kernel shows them,
the apps decide what they say.

::

    @grant_panel(order=10)
    def request_board_panel(grant, user) -> dict | None:
        return {"template": "evidence/room/_grant_requests.html", ...}   # None: nothing to show this user

Register in ``AppConfig.ready()``. A provider runs a bounded number of queries.
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object, object], dict | None]

_providers: list[tuple[int, str, Provider]] = []


def grant_panel(*, order: int = 100):
    def register(func: Provider) -> Provider:
        key = f"{func.__module__}.{func.__qualname__}"
        if all(existing != key for _o, existing, _f in _providers):
            _providers.append((order, key, func))
            _providers.sort(key=lambda entry: (entry[0], entry[1]))
        return func

    return register


def panels_for(grant, user) -> list[dict]:
    """The panels to show ``user`` on ``grant``'s page, in order; each is a dict with at least ``template``."""
    panels = []
    for _order, _key, provider in _providers:
        panel = provider(grant, user)
        if panel:
            panels.append(panel)
    return panels
