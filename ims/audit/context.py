"""Who, why and through which channel: the context every audit event records.

Interfaces set it (the middleware per request, the bearer-token authentication, the Celery
signals per task, ``manage.py`` per command, the edit views and API with the reason for change).
Before every write statement the context is handed to PostgreSQL with ``set_config``, where the
audit triggers read it — so the trail does not depend on a web request and raw SQL is covered.
Without any context the triggers record the database role and the channel ``database``.
"""

from __future__ import annotations

import contextvars
import json
from contextlib import contextmanager

from django.db.backends.signals import connection_created

SETTING = "ims.audit_context"
CHANNELS = ("web", "api", "task", "import", "admin", "command", "shell", "database")

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ims_audit_context", default=None)


def current() -> dict:
    return dict(_context.get() or {})


@contextmanager
def audit_context(*, replace: bool = False, **values):
    """Add to (or, with ``replace``, start afresh) the audit context for the enclosed code.

    Keys: ``actor`` (a Person or None), ``actor_label``, ``token_id``, ``channel``, ``reason``,
    ``request_id``, ``client_ip``.
    """
    base = {} if replace else dict(_context.get() or {})
    actor = values.pop("actor", None)
    if actor is not None and getattr(actor, "is_authenticated", False):
        base["actor_id"] = actor.pk
        base["actor_label"] = actor.get_username()
    base.update({k: v for k, v in values.items() if v is not None})
    token = _context.set(base)
    try:
        yield base
    finally:
        _context.reset(token)


def set_values(**values) -> None:
    """Update the current context in place (used once authentication is known, e.g. a bearer token)."""
    base = dict(_context.get() or {})
    actor = values.pop("actor", None)
    if actor is not None and getattr(actor, "is_authenticated", False):
        base["actor_id"] = actor.pk
        base["actor_label"] = actor.get_username()
    base.update({k: v for k, v in values.items() if v is not None})
    _context.set(base)


def payload() -> str:
    return json.dumps(_context.get() or {}, default=str, sort_keys=True)


WRITE_KEYWORDS = ("INSERT", "UPDATE", "DELETE", "WITH", "MERGE", "COPY", "CALL", "DO")


def _apply_before_writes(execute, sql, params, many, context):
    """Execute wrapper: hand the context to PostgreSQL before any statement that may write rows."""
    if sql.lstrip()[:6].upper().startswith(WRITE_KEYWORDS):
        context["cursor"].cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, payload()])
    return execute(sql, params, many, context)


def install(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql" and _apply_before_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_apply_before_writes)


def connect_signal() -> None:
    connection_created.connect(install, dispatch_uid="ims.audit.context.install")
