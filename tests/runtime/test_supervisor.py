"""`make run` and `make test` stop what they started, and only that; the smoke's TOTP matches the portal's."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ims.runtime import embedded, smoke, supervisor

BASE_DIR = Path(__file__).resolve().parents[2]


def _ps() -> str:
    return subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout


@pytest.mark.integration
def test_a_failed_seed_stops_everything_make_run_started():
    """seed_demo refuses to run with DJANGO_SECURE=1: `make run` must stop and leave PostgreSQL and Redis down."""
    data_dir = Path(tempfile.mkdtemp(prefix="ims-fail-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "IMS_TEST_DB_NAME"}},
        "IMS_DATA_DIR": str(data_dir),
        "IMS_PORT": str(smoke.free_port()),
        "DJANGO_SECURE": "1",
        "DJANGO_SETTINGS_MODULE": "ims.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "ims.runtime.supervisor"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "seed_demo failed" in result.stdout
    assert "All processes stopped (and postgres, redis)" in result.stdout
    assert str(data_dir) not in _ps(), "a process of the failed run is still running"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="external servers are never started or stopped")
def test_servers_already_running_are_left_running():
    """`make test` with the servers up (as here) stops nothing; only what `up()` started is stopped."""
    assert embedded.up() == {"postgres": False, "redis": False}
    assert embedded.run_with(["true"]) == 0
    assert embedded.status() == {"postgres": True, "redis": True}


def test_gunicorn_workers_are_sized_to_the_cores(monkeypatch):
    monkeypatch.delenv("IMS_WEB_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert supervisor.web_workers() == 5
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert supervisor.web_workers() == 9
    monkeypatch.setenv("IMS_WEB_WORKERS", "3")
    assert supervisor.web_workers() == 3


def test_the_smoke_computes_the_codes_authenticator_apps_show():
    """RFC 6238 test vector (SHA-1, secret "12345678901234567890", T=59 → 94287082, 8 digits)."""
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    assert smoke.totp(secret, at=59, digits=8) == "94287082"
    assert smoke.totp(secret, at=1111111109, digits=8) == "07081804"
