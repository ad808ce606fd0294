"""``GET /healthz``: database, broker and workers, without authentication and without versions or hosts."""

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


def _broker_and_workers() -> tuple[str, dict]:
    from ims.celery import app

    try:
        with app.connection_for_write() as conn:
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
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {"status": status, "database": database, "broker": broker, "workers": workers}
    if database != "ok":
        body["detail"] = "The database does not answer; the portal cannot serve requests."
    return JsonResponse(body, status=code)
