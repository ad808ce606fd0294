"""``make run``: PostgreSQL and Redis, migrations, the demo seed, then gunicorn, a Celery worker and beat.

Once serving, it heals: a web server, worker or beat that exits, and an embedded PostgreSQL or Redis that
goes down (checked every 2 s), is restarted after a growing pause (1, 2, 5, 10, 30 s), each restart logged;
after 5 crashes of one process within 10 minutes it gives up loudly and stops everything.

Whatever fails on the way (a migration, the seed) or Ctrl-C / SIGTERM stops everything this run started,
the embedded PostgreSQL and Redis included (servers that were already running before are left running).
Every child runs in its own process group, stopped as a group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from . import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOST = os.environ.get("IMS_HOST", "127.0.0.1")
PORT = os.environ.get("IMS_PORT", "8000")
# "gunicorn" (the default: what a small company runs on one machine) or "runserver" (`make dev`).
WEB = os.environ.get("IMS_WEB", "gunicorn")
READY_TIMEOUT = float(os.environ.get("IMS_READY_TIMEOUT", "90"))
#: Pauses before restarting a crashed process (the n-th crash in the window waits the n-th pause).
BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
RESTART_LIMIT = int(os.environ.get("IMS_RESTART_LIMIT", "5"))
RESTART_WINDOW_SECONDS = 600.0
SERVER_CHECK_SECONDS = 2.0


class Restarts:
    """When to restart a crashed process, and when to give up: more than ``RESTART_LIMIT`` crashes of one
    process within ``RESTART_WINDOW_SECONDS``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.crashes: dict[str, list[float]] = defaultdict(list)

    def crashed(self, name: str) -> float | None:
        """Record a crash of ``name``: the pause before its restart, or ``None`` to give up."""
        now = self.clock()
        recent = [t for t in self.crashes[name] if now - t < RESTART_WINDOW_SECONDS] + [now]
        self.crashes[name] = recent
        if len(recent) > RESTART_LIMIT:
            return None
        return BACKOFF_SECONDS[min(len(recent), len(BACKOFF_SECONDS)) - 1]

    def count(self, name: str) -> int:
        return len(self.crashes[name])


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
        # Evidence packs on their own queue and processes: a pack never delays a reminder.
        "pdf-worker": [
            python,
            "-m",
            "celery",
            "-A",
            "ims",
            "--quiet",
            "worker",
            "-Q",
            "pdf",
            "--loglevel=WARNING",
            f"--concurrency={os.environ.get('IMS_PDF_WORKERS', '2')}",
            "--max-memory-per-child=1048576",
            "-n",
            "pdf@%h",
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
    """Migrations (as the owner role), the standards library and the demo seed (as the runtime role), before
    anything serves."""
    python = sys.executable
    steps = [
        ("migrate", [python, "manage.py", "migrate", "--noinput", "-v", "0"], {"IMS_DB_CONNECT_AS": "owner"}),
        # The standards and regulations library is reference data, loaded (idempotently) with or without the demo.
        ("load_standards", [python, "manage.py", "load_standards"], {}),
    ]
    if os.environ.get("IMS_SEED", "1") != "0":  # IMS_SEED=0: an empty organisation (the restart drills use it)
        steps.append(("seed_demo", [python, "manage.py", "seed_demo", "--no-logins"], {}))
    return steps


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
        pids = ", ".join(f"{name} pid {proc.pid}" for name, proc in children.items())
        print(f"Web server ({WEB}), Celery worker and Celery beat running ({pids}).", flush=True)
        _print_banner()
        print(f"Time to first page: {time.monotonic() - t0:.1f} s.", flush=True)
        return _watch(children, started)
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


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _server_checks(started: dict[str, bool]) -> dict[str, tuple[Callable[[], bool], Callable[[], None]]]:
    """The embedded servers this run started: how to see they are up, and how to start them again."""
    checks = {
        "postgres": (embedded._pg_running, embedded.postgres_up),
        "redis": (embedded._redis_ping, embedded.redis_up),
    }
    return {name: check for name, check in checks.items() if started.get(name)}


def _watch(children: dict[str, subprocess.Popen], started: dict[str, bool], restarts: Restarts | None = None) -> int:
    """Keep the web server, worker, beat and the embedded servers running until Ctrl-C; 1 on giving up."""
    restarts = restarts or Restarts()
    commands = _commands()
    servers = _server_checks(started)
    due: dict[str, float] = {}  # name → when to restart it
    next_check = 0.0

    def crashed(name: str, what: str) -> bool:
        pause = restarts.crashed(name)
        if pause is None:
            _log(
                f"GIVING UP: {name} {what} {restarts.count(name)} times within {RESTART_WINDOW_SECONDS / 60:.0f} "
                "minutes; stopping everything. See the messages above."
            )
            return False
        _log(f"{name} {what}; restarting in {pause:g} s (crash {restarts.count(name)} of {RESTART_LIMIT} allowed)")
        due[name] = time.monotonic() + pause
        return True

    while True:
        now = time.monotonic()
        for name, proc in list(children.items()):
            if name not in due and proc.poll() is not None and not crashed(name, f"exited with {proc.returncode}"):
                return 1
        if now >= next_check:
            next_check = now + SERVER_CHECK_SECONDS
            for name, (alive, _start) in servers.items():
                if name not in due and not alive() and not crashed(name, "is down"):
                    return 1
        for name, when in list(due.items()):
            if now < when:
                continue
            del due[name]
            if name in servers:
                try:
                    servers[name][1]()
                except BaseException as exc:  # noqa: BLE001 - a failed start is one more crash
                    if not crashed(name, f"did not start again ({exc!r})"):
                        return 1
                    continue
            else:
                children[name] = subprocess.Popen(commands[name], cwd=BASE_DIR, start_new_session=True)
            _log(f"{name} restarted")
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
