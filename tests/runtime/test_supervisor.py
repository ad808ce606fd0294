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


def test_restarts_back_off_and_give_up_after_five_crashes_in_ten_minutes():
    now = [0.0]
    restarts = supervisor.Restarts(clock=lambda: now[0])
    pauses = []
    for _ in range(5):
        pauses.append(restarts.crashed("worker"))
        now[0] += 1
    assert pauses == [1.0, 2.0, 5.0, 10.0, 30.0]
    assert restarts.crashed("worker") is None  # the sixth crash within ten minutes: give up
    assert restarts.crashed("beat") == 1.0  # counted per process
    now[0] += supervisor.RESTART_WINDOW_SECONDS + 1
    assert restarts.crashed("worker") == 1.0  # old crashes no longer count


@pytest.mark.integration
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="drills the embedded servers")
def test_make_run_restarts_a_killed_worker_and_a_killed_postgres_and_stops_cleanly():
    """kill -9 of the Celery worker's main process and of the PostgreSQL postmaster: both come back, logged, and
    the portal answers again; Ctrl-C then stops everything."""
    import re
    import signal
    import threading
    import time
    import urllib.error
    import urllib.request

    data_dir = Path(tempfile.mkdtemp(prefix="ims-heal-"))
    port = smoke.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "IMS_TEST_DB_NAME"}},
        "IMS_DATA_DIR": str(data_dir),
        "IMS_PORT": str(port),
        "IMS_SEED": "0",
        "IMS_WEB_WORKERS": "1",
        "DJANGO_SETTINGS_MODULE": "ims.settings",
    }
    for variable in ("IMS_DB_CONNECT_AS", "DJANGO_DEBUG"):
        env.pop(variable, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ims.runtime.supervisor"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()

    def wait_for(pattern: str, timeout: float = 120) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(lines):
                if match := re.search(pattern, line):
                    return match
            assert proc.poll() is None, "make run exited:\n" + "".join(lines[-40:])
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n" + "".join(lines[-40:]))

    def database_answers(timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    body = response.read().decode()
            except urllib.error.HTTPError as error:
                body = error.read().decode()
            except OSError:
                body = ""
            if '"database": "ok"' in body:
                return True
            time.sleep(0.5)
        return False

    try:
        worker_pid = int(wait_for(r"worker pid (\d+)").group(1))
        os.kill(worker_pid, signal.SIGKILL)
        wait_for(r"worker exited with -9; restarting in 1 s")
        wait_for(r"worker restarted")

        postmaster = int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        wait_for(r"postgres is down; restarting")
        wait_for(r"postgres restarted", timeout=180)
        assert database_answers(), "the portal's database did not come back:\n" + "".join(lines[-40:])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert "All processes stopped (and postgres, redis)" in "".join(lines)
    assert str(data_dir) not in _ps(), "a process of the run is still running"
