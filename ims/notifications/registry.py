"""Producers of notices: apps register a function that writes the day's notices before the digest goes out.

::

    @notice_producer("acknowledgements")
    def acknowledgement_notices(on: datetime.date) -> int: ...

The daily digest task runs every producer, then sends one e-mail per person with all their new notices.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

Producer = Callable[[datetime.date], int]

_producers: dict[str, Producer] = {}


def notice_producer(name: str):
    def register(func: Producer) -> Producer:
        _producers[name] = func
        return func

    return register


def producers() -> dict[str, Producer]:
    return dict(_producers)
