"""The test run connects as the runtime role, as production does.

Production runs as ``ims_app``: it owns no table, may not UPDATE or DELETE the append-only tables
(audit events, seals, signatures, certifications, signing attempts) and may not TRUNCATE anything.
The suite therefore runs every test as that role. Only what production also does as the owner
runs as the owner here: creating the test database and its tables (``migrate``), emptying them
between transactional tests (Django's ``flush`` truncates), and dropping the database at the end.

A test that needs the owner says so: the ``owner_cursor`` fixture (``tests/conftest.py``) gives a
separate connection as the owner role, for the attacks and repairs only a superuser or the owner
could make.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dj_database_url
from django.conf import settings
from django.db import connections

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def _role_settings(url: str) -> dict:
    parsed = dj_database_url.parse(url)
    values = {key: parsed.get(key, "") for key in _CREDENTIALS}
    host = parsed.get("OPTIONS", {}).get("host")
    if host and not values["HOST"]:
        values["HOST"] = host
    return values


def owner_settings() -> dict:
    """USER, PASSWORD, HOST and PORT of the owner role (``DATABASE_OWNER_URL``)."""
    return _role_settings(settings.DATABASE_OWNER_URL)


def app_settings() -> dict:
    """USER, PASSWORD, HOST and PORT of the runtime role (``DATABASE_URL``)."""
    return _role_settings(settings.DATABASE_URL)


def connection_use(role: dict, *, alias: str = "default") -> None:
    """Reconnect ``alias`` with ``role``'s credentials; the database NAME (the test database) is kept."""
    conn = connections[alias]
    conn.close()
    for target in {
        id(conn.settings_dict): conn.settings_dict,
        id(settings.DATABASES[alias]): settings.DATABASES[alias],
    }.values():
        for key, value in role.items():
            if key == "HOST" and not value and target.get("OPTIONS", {}).get("host"):
                continue
            target[key] = value


def connected_role(*, alias: str = "default") -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def as_owner(*, alias: str = "default") -> Iterator[None]:
    """Run the block on a connection of the owner role, then return to the runtime role.

    The connection is closed on the way in and out, so this must not be used inside a test's
    transaction (a ``transaction=True`` test, or outside any test, only).
    """
    conn = connections[alias]
    previous = {key: conn.settings_dict.get(key, "") for key in _CREDENTIALS}
    connection_use(owner_settings(), alias=alias)
    try:
        yield
    finally:
        connection_use(previous, alias=alias)
