"""``GET /healthz``: database, broker and workers, without authentication and without versions or hosts.

200 only when the database, the broker and at least one worker answer; otherwise 503, so that a load balancer
or a monitor acts (the JSON says which part is down). It answers within about 2 s even when Redis hangs: the
broker check uses its own connection with one-second socket timeouts and a bounded ping.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "unavailable"; details stay in the server log
        return "unavailable"


#: The probe's own connection: a hung broker costs at most a second per socket operation.
PROBE_TRANSPORT_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1, "max_retries": 0}


def _broker_and_workers() -> tuple[str, dict]:
    from ims.celery import app

    try:
        with app.connection_for_write(transport_options=PROBE_TRANSPORT_OPTIONS) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            replies = app.control.ping(timeout=0.5, connection=conn) or []
    except Exception:  # noqa: BLE001
        return "unavailable", {"status": "unknown", "count": 0}
    count = len(replies)
    return "ok", {"status": "ok" if count else "none", "count": count}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database = _database()
    broker, workers = _broker_and_workers()
    if database != "ok":
        status, code = "down", 503
    elif broker != "ok" or workers["status"] != "ok":
        status, code = "degraded", 503
    else:
        status, code = "ok", 200
    body = {"status": status, "database": database, "broker": broker, "workers": workers}
    if database != "ok":
        body["detail"] = "The database does not answer; the portal cannot serve requests."
    elif broker != "ok":
        body["detail"] = "The task broker does not answer: pages work, but e-mails, reminders and packs wait."
    elif workers["status"] != "ok":
        body["detail"] = "No task worker answers: pages work, but e-mails, reminders and packs wait."
    return JsonResponse(body, status=code)
