"""Dashboard cards contributed by the apps: the kernel shows them, the apps decide what they say.

::

    @dashboard_card(order=20)
    def my_tasks_card(user) -> dict | None:
        return {"template": "policies/cards/my_tasks.html", ...}   # None: nothing to show this user

Register in ``AppConfig.ready()``. A card provider runs a bounded number of queries for any data size.
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object], dict | None]

_providers: list[tuple[int, str, Provider]] = []


def dashboard_card(*, order: int = 100):
    def register(func: Provider) -> Provider:
        key = f"{func.__module__}.{func.__qualname__}"
        if all(existing != key for _o, existing, _f in _providers):
            _providers.append((order, key, func))
            _providers.sort(key=lambda entry: (entry[0], entry[1]))
        return func

    return register


def cards_for(user) -> list[dict]:
    """The cards to show ``user``, in order; each is a dict with at least ``template``."""
    cards = []
    for _order, _key, provider in _providers:
        card = provider(user)
        if card:
            cards.append(card)
    return cards
