"""``make bench-load``: a bounded loopback load test of the portal as ``make run`` serves it.

Starts ``make run`` on an empty data directory and a spare port (the fresh-start smoke's runner), then
``IMS_LOAD_USERS`` (50) simulated people browse for ``IMS_LOAD_SECONDS`` (300) through the pages a demo
login opens (dashboard, documents, policies, my tasks, training, objectives, RACI, audit trail), each
reading a page for ``IMS_LOAD_THINK_MIN``..``IMS_LOAD_THINK_MAX`` seconds (1..5, uniform, as people
read; ``IMS_LOAD_THINK_MIN=1 IMS_LOAD_THINK_MAX=1`` gives the saturation figure of clicks every second),
with the sessions of the demo logins that need no second factor.

Signatures under load: ``IMS_LOAD_SIGNERS`` (20) demo employees without a login get a password; each
signs in during the run, certifies their e-signature and acknowledges the IMS policy through the pages,
as a new employee does on day one (two signatures each, timed separately from the pages).

Only 127.0.0.1 is ever requested; every loop stops by itself. Prints the count, failures and
p50/p95/p99 per page and per signature, and how long the audit events written during the run stayed unsealed;
exits non-zero unless 0 requests failed, pages p95 ≤ 500 ms, signatures p95 ≤ 1 s and no event stayed unsealed
longer than 10 s.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict

from ims.runtime.smoke import PASSWORD, POLICY_NUMBER, Browser, Run, SmokeFailure

USERS = int(os.environ.get("IMS_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("IMS_LOAD_SECONDS", "300"))
THINK_MIN = float(os.environ.get("IMS_LOAD_THINK_MIN", "1.0"))
THINK_MAX = float(os.environ.get("IMS_LOAD_THINK_MAX", "5.0"))
SIGNERS = int(os.environ.get("IMS_LOAD_SIGNERS", "20"))
PAGE_P95_MS = 500.0
SIGNATURE_P95_MS = 1000.0
SEAL_WINDOW_S = 10.0
ACCOUNTS = ("employee.cork", "compliance.basel", "owner.basel", "head.basel", "auditor.basel", "trainer.basel")
PAGES = (
    "/",
    "/documents/",
    "/policies/",
    "/policies/my-tasks/",
    "/training/my/",
    "/training/courses/",
    "/policies/objectives/",
    "/policies/responsibilities/matrix/",
    "/org/people/",
    "/audit/",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _opens(browser: Browser, path: str) -> bool:
    try:
        browser.get(path)
    except SmokeFailure:
        return False
    return True


#: Gives ``SIGNERS`` demo employees who never signed anything a password (run in the benchmark's own data
#: directory, as the application role) and prints their usernames.
SIGNER_SETUP = """
import sys
from django.conf import settings
from ims.access.mfa import mfa_required
from ims.esign.models import SignatureCertification
from ims.org.models import Person
people = (
    Person.objects.filter(is_active=True, acknowledgements__status="open",
                          acknowledgements__version__document__number=sys.argv[1])
    .exclude(pk__in=SignatureCertification.objects.values("person_id")).distinct().order_by("pk")
)
chosen = [person for person in people if not mfa_required(person)][: int(sys.argv[2])]
for person in chosen:
    person.set_password(settings.IMS_DEMO_PASSWORD)
    person.save(update_fields=["password"])
    print(person.username)
"""


#: Seconds from each audit event written since ``sys.argv[1]`` (epoch) to the seal that covers it (or to now,
#: while it is still unsealed), after the sealing beat has had one more period to run.
SEAL_WINDOW = """
import sys, time
from django.db import connection
time.sleep(6)
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT extract(epoch FROM coalesce(s.sealed_at, now()) - e.occurred_at) FROM audit_auditevent e "
        "LEFT JOIN audit_auditseal s ON e.txid >= s.first_txid AND e.txid < s.last_txid "
        "WHERE e.occurred_at >= to_timestamp(%s)",
        [float(sys.argv[1])],
    )
    print(" ".join(f"{row[0]:.3f}" for row in cursor.fetchall()))
"""


def _in_data_dir(run: Run, code: str, *args: str) -> str:
    env = {**os.environ, "IMS_DATA_DIR": str(run.data_dir), "DJANGO_SETTINGS_MODULE": "ims.settings"}
    script = "import django, sys; django.setup(); sys.argv = ['', *sys.argv[1:]]; exec(sys.stdin.read())"
    done = subprocess.run(  # noqa: S603 - this checkout's own interpreter
        [sys.executable, "-c", script, *args],
        input=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout


def seal_window(run: Run, since: float) -> list[float]:
    """How long each event written during the run stayed unsealed (seconds)."""
    return [float(value) for value in _in_data_dir(run, SEAL_WINDOW, str(since)).split()]


def signers(run: Run, count: int) -> list[str]:
    if count <= 0:
        return []
    return _in_data_dir(run, SIGNER_SETUP, POLICY_NUMBER, str(count)).split()


def sign_day_one(run: Run, username: str, record) -> None:
    """Sign in, certify the e-signature, acknowledge the IMS policy: the two signatures are timed."""
    browser = Browser(run.base)
    browser.login(username)
    page = browser.get("/esign/certification/")
    started = time.monotonic()
    browser.post("/esign/certification/", {"username": username, "password": PASSWORD}, page=page)
    record("signature: certify", started)
    tasks = browser.get("/policies/my-tasks/")
    links = re.findall(r'href="(/policies/tasks/\d+/)"', tasks)
    if not links:
        raise SmokeFailure(f"{username} has no acknowledgement task")
    task = browser.get(links[0])
    fields = {"password": PASSWORD}
    if 'name="username"' in task.split("data-acknowledge-form", 1)[-1]:
        fields["username"] = username
    started = time.monotonic()
    done = browser.post(links[0], fields, page=task)
    if "Signed: I have read and understood" not in done:
        raise SmokeFailure(f"{username}'s acknowledgement was not signed")
    record("signature: acknowledge", started)


def _report(title: str, timings: dict[str, list[float]]) -> list[float]:
    every = [t for values in timings.values() for t in values]
    print(f"\n{title:<40} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name in sorted(timings):
        values = timings[name]
        print(
            f"{name:<40} {len(values):>6} {statistics.median(values):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {percentile(values, 0.99):>8.1f}"
        )
    if every:
        print(
            f"{'all':<40} {len(every):>6} {statistics.median(every):>8.1f} {percentile(every, 0.95):>8.1f} "
            f"{percentile(every, 0.99):>8.1f}"
        )
    return every


def main() -> int:
    run = Run()
    timings: dict[str, list[float]] = defaultdict(list)
    signatures: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()
    try:
        run.start()
        run.wait_healthy()
        browsers, pages = {}, {}
        for username in ACCOUNTS:
            browser = Browser(run.base)
            browser.login(username)
            browsers[username] = browser
            # Each person browses the pages their role opens (the navigation shows them no others).
            pages[username] = [path for path in PAGES if _opens(browser, path)]
        new_signers = signers(run, SIGNERS)
        print(
            f"make run ready on port {run.port}; {USERS} users for {SECONDS:.0f} s, reading each page "
            f"{THINK_MIN:g}–{THINK_MAX:g} s; {len(new_signers)} new employees sign during the run",
            flush=True,
        )
        deadline = time.monotonic() + SECONDS
        began = time.time()

        def record_signature(name: str, started: float) -> None:
            with lock:
                signatures[name].append((time.monotonic() - started) * 1000)

        def user(number: int) -> None:
            account = ACCOUNTS[number % len(ACCOUNTS)]
            opener = browsers[account].opener
            rng = random.Random(number)
            time.sleep(rng.random() * THINK_MAX)
            # Some of the users are new employees: they sign once, at a random moment of the first half.
            sign_at = time.monotonic() + rng.random() * SECONDS / 2 if number < len(new_signers) else None
            while time.monotonic() < deadline:
                if sign_at is not None and time.monotonic() >= sign_at:
                    sign_at = None
                    try:
                        sign_day_one(run, new_signers[number], record_signature)
                    except (SmokeFailure, urllib.error.URLError, OSError) as exc:
                        with lock:
                            failures.append(f"signing as {new_signers[number]} ({exc})")
                    continue
                path = rng.choice(pages[account])
                started = time.monotonic()
                try:
                    with opener.open(run.base + path, timeout=30) as response:  # loopback only
                        response.read()
                        ok = response.status == 200
                except (urllib.error.URLError, OSError) as exc:
                    ok = False
                    path = f"{path} ({exc})"
                elapsed = (time.monotonic() - started) * 1000
                with lock:
                    if ok:
                        timings[path].append(elapsed)
                    else:
                        failures.append(path)
                time.sleep(rng.uniform(THINK_MIN, THINK_MAX))

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 60)
        unsealed = seal_window(run, began)
    except (SmokeFailure, subprocess.SubprocessError) as exc:
        print(f"LOAD TEST FAILED: {exc}\n{run.tail()}", file=sys.stderr)
        run.stop()
        return 1
    finally:
        left = run.stop()
        if left:
            run.kill_leftovers()
    every = _report("page", timings)
    signed = _report("signature (POST, password checked)", signatures)
    if not every:
        print("no request succeeded", file=sys.stderr)
        return 1
    page_p95 = percentile(every, 0.95)
    signature_p95 = percentile(signed, 0.95) if signed else 0.0
    print(
        f"\nfailed requests: {len(failures)}; {len(every) / SECONDS:.1f} pages/s; {len(signed)} signatures\n"
        f"pages p95 {page_p95:.0f} ms (target ≤ {PAGE_P95_MS:.0f}); "
        f"signatures p95 {signature_p95:.0f} ms (target ≤ {SIGNATURE_P95_MS:.0f})"
    )
    window_max = max(unsealed, default=0.0)
    if unsealed:
        print(
            f"audit events written: {len(unsealed)}; unsealed for p50 {statistics.median(unsealed):.1f} s, "
            f"p95 {percentile(unsealed, 0.95):.1f} s, max {window_max:.1f} s (target ≤ {SEAL_WINDOW_S:.0f} s)"
        )
    if failures:
        print("failures (first 10): " + "; ".join(failures[:10]), file=sys.stderr)
    expected_signatures = 2 * len(new_signers)
    if len(signed) != expected_signatures:
        print(f"{len(signed)} signatures made of {expected_signatures} expected", file=sys.stderr)
    return (
        0
        if not failures
        and page_p95 <= PAGE_P95_MS
        and signature_p95 <= SIGNATURE_P95_MS
        and len(signed) == expected_signatures
        and window_max <= SEAL_WINDOW_S
        else 1
    )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
