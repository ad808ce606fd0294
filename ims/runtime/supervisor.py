"""``make run``: PostgreSQL and Redis, migrations, the demo seed, then gunicorn, a Celery worker and beat.

Whatever fails on the way (a migration, the seed, a child that exits) or Ctrl-C / SIGTERM stops
everything this run started, the embedded PostgreSQL and Redis included (servers that were already
running before are left running). Every child runs in its own process group, stopped as a group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOST = os.environ.get("IMS_HOST", "127.0.0.1")
PORT = os.environ.get("IMS_PORT", "8000")
# "gunicorn" (the default: what a small company runs on one machine) or "runserver" (`make dev`).
WEB = os.environ.get("IMS_WEB", "gunicorn")
READY_TIMEOUT = float(os.environ.get("IMS_READY_TIMEOUT", "90"))


def web_workers() -> int:
    """Gunicorn workers sized to the machine: 2 per core plus one, at most 9 (``IMS_WEB_WORKERS`` overrides)."""
    if os.environ.get("IMS_WEB_WORKERS"):
        return max(1, int(os.environ["IMS_WEB_WORKERS"]))
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def _web_command(python: str) -> list[str]:
    if WEB == "runserver":
        return [python, "manage.py", "runserver", f"{HOST}:{PORT}"]
    return [
        python,
        "-m",
        "gunicorn",
        "ims.wsgi:application",
        "--bind",
        f"{HOST}:{PORT}",
        "--workers",
        str(web_workers()),
        "--threads",
        "2",
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]


def _commands() -> dict[str, list[str]]:
    python = sys.executable
    beat_schedule = embedded.DATA_DIR / "celerybeat-schedule"
    return {
        "web": _web_command(python),
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "ims",
            "--quiet",  # no start-up banner: the supervisor says what started
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "-n",
            "worker@%h",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "ims",
            "--quiet",
            "beat",
            "--loglevel=WARNING",
            "-s",
            str(beat_schedule),
        ],  # fmt: skip
    }


def _prepare_steps() -> list[tuple[str, list[str], dict[str, str]]]:
    """Migrations (as the owner role) and the demo seed (as the runtime role), before anything serves."""
    python = sys.executable
    return [
        ("migrate", [python, "manage.py", "migrate", "--noinput", "-v", "0"], {"IMS_DB_CONNECT_AS": "owner"}),
        ("seed_demo", [python, "manage.py", "seed_demo", "--no-logins"], {}),
    ]


def _print_banner() -> None:
    from django.conf import settings

    password = settings.IMS_DEMO_PASSWORD
    print("\n" + "=" * 72)
    print(f" IMS Portal is ready on http://{HOST}:{PORT}/  ({WEB})")
    print(f" Demo logins (password for all: {password})")
    from ims.org.demo import DEMO_LOGINS

    for username, role, site in DEMO_LOGINS:
        print(f"   {username:<17} {role:<20} {site}")
    print(" Press Ctrl-C to stop the web server, worker, beat, PostgreSQL and Redis.")
    print("=" * 72 + "\n", flush=True)


def _wait_ready(web: subprocess.Popen) -> bool:
    """True once /healthz answers (any HTTP status: the page itself reports the worker); False if web died."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if web.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/healthz", timeout=5):  # noqa: S310 - loopback
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
    import django

    django.setup()
    children: dict[str, subprocess.Popen] = {}
    started: dict[str, bool] = {}
    stopping = False
    t0 = time.monotonic()

    def stop(*_args) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping …", flush=True)
        for proc in children.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        embedded.down(only=started)
        stopped = [name for name, flag in started.items() if flag]
        print(f"All processes stopped{' (and ' + ', '.join(stopped) + ')' if stopped else ''}.", flush=True)

    def interrupted(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    code = 0
    try:
        started.update(embedded.up())
        print(f"PostgreSQL and Redis ready ({time.monotonic() - t0:.1f} s).", flush=True)
        for name, command, extra in _prepare_steps():
            # Each step runs in its own process group, so that Ctrl-C reaches it only through us.
            step = subprocess.Popen(command, cwd=BASE_DIR, env={**os.environ, **extra}, start_new_session=True)
            children[name] = step
            if step.wait() != 0:
                print(f"{name} failed (exit {step.returncode}); stopping what was started.", flush=True)
                return 1
            del children[name]
            print(f"{name} done ({time.monotonic() - t0:.1f} s).", flush=True)
        for name, command in _commands().items():
            children[name] = subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True)
        if not _wait_ready(children["web"]):
            print("The web server did not start; stopping everything.", flush=True)
            return 1
        print(f"Web server ({WEB}), Celery worker and Celery beat running.", flush=True)
        _print_banner()
        print(f"Time to first page: {time.monotonic() - t0:.1f} s.", flush=True)
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping everything.", flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        code = 0
    except BaseException as exc:  # noqa: BLE001 - whatever failed, nothing started may be left running
        print(f"make run failed: {exc!r}; stopping what was started.", flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
