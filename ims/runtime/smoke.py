"""Fresh-start smoke: what a new user does first, on a machine that has never run the portal.

``make smoke`` (and ``.ci/run``, after the suite) starts ``make run`` with an empty data directory on a
spare port, waits for ``/healthz``, then walks the first journey through the pages, over HTTP, as a
browser does (cookies, CSRF tokens, form posts): the Global Admin signs in with a second factor
enrolled on the spot and reads the acknowledgement coverage; ``employee.cork`` signs in, certifies the
e-signature, opens the IMS policy from My tasks and acknowledges it with the e-signature; coverage then
counts one more acknowledgement. Finally it sends SIGINT to ``make run`` and checks that no process of
the run (web, worker, beat, PostgreSQL, Redis) is left.

Prints each step with its time and exits non-zero on the first failure (after stopping everything).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = os.environ.get("IMS_DEMO_PASSWORD", "Demo-Passw0rd-2026!")
EMPLOYEE = "employee.cork"
ADMIN = "admin.global"
POLICY_NUMBER = "POL-IMS-001"
START_TIMEOUT = float(os.environ.get("IMS_SMOKE_START_TIMEOUT", "300"))
STOP_TIMEOUT = 40.0


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def totp(secret_b32: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 code for a base32 secret, as an authenticator app computes it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise SmokeFailure("no CSRF token in the form")
    return match.group(1)


class Browser:
    """Cookies, CSRF and Referer as a browser sends them; no redirects hidden from the caller's checks."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.url = base

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode("utf-8", "replace")

    def get(self, path: str, *, expect: int = 200) -> str:
        request = urllib.request.Request(urllib.parse.urljoin(self.base, path))  # noqa: S310 - loopback http
        status, self.url, body = self._open(request)
        if status != expect:
            raise SmokeFailure(f"GET {path} answered {status}, expected {expect}: {_excerpt(body)}")
        return body

    def post(self, path: str, data: dict[str, str], *, page: str, expect: int = 200) -> str:
        url = urllib.parse.urljoin(self.url, path)
        fields = {"csrfmiddlewaretoken": csrf_token(page), **data}
        request = urllib.request.Request(  # noqa: S310 - loopback http
            url, data=urllib.parse.urlencode(fields).encode(), headers={"Referer": self.url}, method="POST"
        )
        status, self.url, body = self._open(request)
        if status != expect:
            raise SmokeFailure(f"POST {path} answered {status}, expected {expect}: {_excerpt(body)}")
        return body

    def login(self, username: str) -> str:
        page = self.get("/accounts/login/")
        return self.post("/accounts/login/", {"username": username, "password": PASSWORD}, page=page)


def _excerpt(body: str) -> str:
    text = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()[:400]


def coverage_acknowledged(admin: Browser) -> int:
    """The 'N / M people in scope' figure of the coverage page for the IMS policy, all sites."""
    page = admin.get("/policies/coverage/")
    match = re.search(r"data-total-percent>[^<]*</div><div[^>]*>\s*(\d+)\s*/\s*(\d+)", page)
    if not match:
        raise SmokeFailure("the coverage page shows no totals")
    return int(match.group(1))


class Run:
    """``make run`` on an empty data directory and a spare port, in its own process group."""

    def __init__(self) -> None:
        # Short: unix socket paths under it must stay below ~100 bytes.
        self.data_dir = Path(tempfile.mkdtemp(prefix="ims-smoke-"))
        self.port = free_port()
        self.log_path = self.data_dir.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "IMS_DATA_DIR": str(self.data_dir), "IMS_PORT": str(self.port)}
        for variable in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "IMS_DB_CONNECT_AS", "DJANGO_DEBUG"):
            env.pop(variable, None)
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SmokeFailure(f"make run exited with {self.proc.returncode} before serving")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:  # noqa: S310 - loopback
                    body = json.loads(response.read())
                    if body.get("status") == "ok":
                        return body
                    last = str(body)
            except (OSError, ValueError) as exc:
                last = repr(exc)
            time.sleep(0.5)
        raise SmokeFailure(f"/healthz not ok within {START_TIMEOUT:.0f} s (last: {last})")

    def processes(self) -> list[str]:
        """Every process still running that belongs to this run (by its data directory, port or group)."""
        out = subprocess.run(["ps", "-eo", "pid=,pgid=,args="], capture_output=True, text=True).stdout
        pgid = self.proc.pid if self.proc else -1
        left = []
        for line in out.splitlines():
            pid, group, args = line.strip().split(None, 2)
            if int(pid) == os.getpid():
                continue
            if int(group) == pgid or str(self.data_dir) in args or f":{self.port}" in args:
                left.append(line.strip())
        return left

    def stop(self) -> list[str]:
        """SIGINT as Ctrl-C sends it, then wait; returns what is still running (should be nothing)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.5)
        return self.processes()

    def kill_leftovers(self) -> None:
        for line in self.processes():
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(
            [sys.executable, "-m", "ims.runtime.embedded", "down"],
            cwd=BASE_DIR,
            env={**os.environ, "IMS_DATA_DIR": str(self.data_dir)},
            capture_output=True,
        )

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def journey(run: Run, step) -> None:
    admin = Browser(run.base)
    page = admin.login(ADMIN)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page)
    if not secret:
        raise SmokeFailure(f"the Global Admin was not asked to enrol a second factor: {_excerpt(page)}")
    admin.post(admin.url, {"code": totp(secret.group(1)), "next": "/"}, page=page)
    before = coverage_acknowledged(admin)
    step(f"Global Admin signed in with a new second factor; coverage shows {before} acknowledged")

    employee = Browser(run.base)
    page = employee.login(EMPLOYEE)
    if "/accounts/login/" in employee.url:
        raise SmokeFailure(f"{EMPLOYEE} could not sign in: {_excerpt(page)}")
    step(f"{EMPLOYEE} signed in")

    page = employee.get("/esign/certification/")
    if "data-esign-certified" in page:
        raise SmokeFailure(f"{EMPLOYEE} is certified already: the first-time signer's path was not exercised")
    page = employee.post("/esign/certification/", {"username": EMPLOYEE, "password": PASSWORD}, page=page)
    if "data-esign-certified" not in employee.get("/esign/certification/"):
        raise SmokeFailure(f"the e-signature certification was not recorded: {_excerpt(page)}")
    step("e-signature certified")

    tasks = employee.get("/policies/my-tasks/")
    links = re.findall(r'href="(/policies/tasks/\d+/)"', tasks)
    if POLICY_NUMBER not in tasks or not links:
        raise SmokeFailure(f"My tasks lists no task for {POLICY_NUMBER}: {_excerpt(tasks)}")
    task_url = links[0]
    task = employee.get(task_url)
    if "data-acknowledge-form" not in task:
        raise SmokeFailure(f"the task page offers no acknowledgement: {_excerpt(task)}")
    step(f"opened the IMS policy ({task_url})")

    fields = {"password": PASSWORD}
    if 'name="username"' in task.split("data-acknowledge-form", 1)[1]:
        fields["username"] = EMPLOYEE
    done = employee.post(task_url, fields, page=task)
    if "Signed: I have read and understood" not in done:
        raise SmokeFailure(f"the acknowledgement was not signed: {_excerpt(done)}")
    step("acknowledged with the e-signature")

    after = coverage_acknowledged(admin)
    if after != before + 1:
        raise SmokeFailure(f"coverage shows {after} acknowledged, expected {before + 1}")
    step(f"coverage counts it ({before} → {after})")


def main() -> int:
    t0 = time.monotonic()
    timings: list[tuple[str, float]] = []

    def step(message: str) -> None:
        elapsed = time.monotonic() - t0
        timings.append((message, elapsed))
        print(f"[smoke {elapsed:6.1f} s] {message}", flush=True)

    run = Run()
    failure: str | None = None
    try:
        run.start()
        step(f"make run started (data {run.data_dir}, port {run.port})")
        health = run.wait_healthy()
        step(f"/healthz ok (database {health['database']}, broker {health['broker']}) — first page")
        first_page = time.monotonic() - t0
        journey(run, step)
    except SmokeFailure as exc:
        failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash of the smoke itself is a failure too
        failure = repr(exc)
    left = run.stop()
    if left:
        run.kill_leftovers()
        failure = failure or "processes left running after SIGINT:\n  " + "\n  ".join(left)
    else:
        step("SIGINT: web, worker, beat, PostgreSQL and Redis all stopped")
    if failure:
        print(f"SMOKE FAILED: {failure}\n--- make run log (end) ---\n{run.tail()}", file=sys.stderr, flush=True)
        return 1
    shutil.rmtree(run.data_dir, ignore_errors=True)
    run.log_path.unlink(missing_ok=True)
    print(f"SMOKE PASSED: time to first page {first_page:.1f} s, whole smoke {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
