"""A real Celery worker process on the real (embedded or REDIS_URL) Redis, for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """Start ``celery -A ims worker`` on a queue of its own, against the test database; stop it after."""
    from django.conf import settings

    from ims.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ims.settings",
        # The worker reads and writes the test database the tests use.
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
    }
    name = f"{queue}@%h"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ims",
            "worker",
            "-Q",
            queue,
            "-n",
            name,
            "--concurrency=1",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if any(queue in next(iter(reply)) for reply in replies):
            break
        if proc.poll() is not None:
            raise RuntimeError("the Celery worker exited at start")
    else:
        proc.terminate()
        raise RuntimeError("the Celery worker did not answer within 60 s")
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _database_url(db: dict) -> str:
    name = db["NAME"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    user = db.get("USER") or "postgres"
    password = db.get("PASSWORD") or ""
    port = db.get("PORT") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    if host.startswith("/"):
        return f"postgres://{auth}/{name}?host={host}"
    return f"postgres://{auth}{host}{':' + str(port) if port else ''}/{name}"
