"""``make run``: the web server, a Celery worker and Celery beat, stopped together on Ctrl-C.

The embedded PostgreSQL and Redis (started by ``make``) are stopped as well, so nothing
is left running. Every child runs in its own process group and is terminated as a group.
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


def _commands() -> dict[str, list[str]]:
    python = sys.executable
    beat_schedule = embedded.DATA_DIR / "celerybeat-schedule"
    return {
        "web": [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "ims",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "-n",
            "worker@%h",
        ],
        "beat": [python, "-m", "celery", "-A", "ims", "beat", "--loglevel=INFO", "-s", str(beat_schedule)],
    }


def _print_banner() -> None:
    from django.conf import settings

    password = settings.IMS_DEMO_PASSWORD
    print("\n" + "=" * 72)
    print(f" IMS Portal is starting on http://{HOST}:{PORT}/")
    print(f" Demo logins (password for all: {password})")
    from ims.org.demo import DEMO_LOGINS

    for username, role, site in DEMO_LOGINS:
        print(f"   {username:<17} {role:<20} {site}")
    print(" Press Ctrl-C to stop the web server, worker, beat, PostgreSQL and Redis.")
    print("=" * 72 + "\n", flush=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    _print_banner()
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping …", flush=True)
        for proc in children.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        embedded.down()
        print("All processes stopped.", flush=True)

    signal.signal(signal.SIGINT, lambda *a: stop())
    signal.signal(signal.SIGTERM, lambda *a: stop())
    try:
        for name, command in _commands().items():
            children[name] = subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True)
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None and not stopping:
                    print(f"{name} exited with {proc.returncode}; stopping everything.", flush=True)
                    stop()
                    return 1
            time.sleep(0.5)
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
