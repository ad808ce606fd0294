"""One copy of a long job at a time, across workers and machines: a PostgreSQL session advisory lock.

A lost task is redelivered after the broker's visibility timeout (5 minutes), even when the first copy is
only slow; the redelivered copy then finds the lock held and skips. When the first copy's worker died
(kill -9, a lost machine), its database session ended and released the lock, so the redelivered copy runs.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger("ims.locks")


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def held_alone(name: str) -> Iterator[bool]:
    """Yields True when this session got the lock ``name`` (nobody else holds it), False otherwise."""
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                connection.close()  # the lock ends with the session


def one_at_a_time(func: Callable) -> Callable:
    """Decorate a task body: a second copy started while the first runs returns at once, doing nothing."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = f"task:{func.__module__}.{func.__qualname__}"
        with held_alone(name) as alone:
            if not alone:
                logger.info("%s is already running elsewhere; this copy does nothing", name)
                return {"skipped": "already running"}
            return func(*args, **kwargs)

    return wrapper
