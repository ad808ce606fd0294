"""``GET /healthz``: states of the database, broker and workers, for probes, without authentication or leaks."""

from __future__ import annotations

import django
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from ims.celery import app as celery_app
from ims.web import health

pytestmark = [pytest.mark.django_db, pytest.mark.req("A11-16", "ASVS5-13.4.5")]


def leaks(body: str) -> list[str]:
    """Versions, host names and socket paths that must never appear in the public answer."""
    database = settings.DATABASES["default"]
    forbidden = [
        "PostgreSQL",
        "redis_version",
        "Redis",
        ".data",
        "127.0.0.1",
        "localhost",
        "Traceback",
        f"Django/{django.get_version()}",
        settings.REDIS_URL,
        database["NAME"],
    ]
    if database.get("HOST"):
        forbidden.append(database["HOST"])
    return [item for item in forbidden if item and item in body]


def get_healthz():
    response = Client().get("/healthz")
    return response, response.json()


def test_answers_anonymous_probes_with_the_states():
    response, body = get_healthz()
    # 200 only with a worker answering; the suite's in-process run may have none (503 "degraded").
    assert (response.status_code, body["status"]) in {(200, "ok"), (503, "degraded")}
    assert response["Content-Type"] == "application/json"
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "unavailable"}
    assert set(body["workers"]) == {"status", "count"}
    assert "no-cache" in response["Cache-Control"]


def test_reveals_no_versions_hosts_or_paths():
    response, _ = get_healthz()
    assert leaks(response.content.decode()) == []


def test_only_get_is_allowed():
    assert Client().post("/healthz").status_code == 405


def test_database_down_answers_503_with_a_clear_body(monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: "unavailable")
    response, body = get_healthz()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["database"] == "unavailable"
    assert "database" in body["detail"]
    assert leaks(response.content.decode()) == []


def test_unreachable_database_server_answers_503(monkeypatch, tmp_path):
    """A real connection attempt to a server that is not there (a socket directory with no socket)."""
    dead_settings = {**connections["default"].settings_dict, "HOST": str(tmp_path), "PORT": ""}
    dead = connections.create_connection("default").__class__(dead_settings, alias="healthz-dead")
    monkeypatch.setattr(health, "connection", dead)
    try:
        response, body = get_healthz()
    finally:
        dead.close()
    assert response.status_code == 503
    assert body["database"] == "unavailable"
    assert body["status"] == "down"
    text = response.content.decode()
    assert leaks(text) == [] and str(tmp_path) not in text


def test_no_worker_answers_503_degraded(monkeypatch):
    monkeypatch.setattr(health, "_broker_and_workers", lambda: ("ok", {"status": "none", "count": 0}))
    response, body = get_healthz()
    assert response.status_code == 503
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert "worker" in body["detail"]


def test_a_hung_broker_answers_503_within_2_seconds(monkeypatch):
    """Redis accepts the connection and never answers (stopped with SIGSTOP, a full disk, a network split)."""
    import socket
    import time

    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)
    url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", url)
    try:
        started = time.monotonic()
        response, body = get_healthz()
        elapsed = time.monotonic() - started
    finally:
        hung.close()
    assert response.status_code == 503 and body["broker"] == "unavailable"
    assert elapsed < 2.5, f"/healthz took {elapsed:.1f} s with a hung broker"


def test_broker_down_is_503_degraded_not_down(monkeypatch, tmp_path):
    dead_socket = tmp_path / "redis.sock"
    # Celery reads these variables before its settings, so nothing of the app's configuration is mutated.
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis+socket://{dead_socket}")
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", f"redis+socket://{dead_socket}")
    assert celery_app.conf.broker_write_url.endswith(str(dead_socket))
    response, body = get_healthz()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"] == "unavailable"
    assert body["workers"] == {"status": "unknown", "count": 0}
    text = response.content.decode()
    assert leaks(text) == [] and str(dead_socket) not in text
