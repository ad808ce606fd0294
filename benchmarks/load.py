"""``make bench-load``: a bounded loopback load test of the portal as ``make run`` serves it.

Starts ``make run`` on an empty data directory and a spare port (the fresh-start smoke's runner), then
``IMS_LOAD_USERS`` (50) simulated people browse for ``IMS_LOAD_SECONDS`` (300) through the pages a demo
login opens (dashboard, documents, policies, my tasks, training, objectives, RACI, audit trail), each
waiting ``IMS_LOAD_THINK`` (1 s) between pages, with the sessions of the demo logins that need no
second factor. Only 127.0.0.1 is ever requested; every loop stops by itself. Prints the count, failures
and p50/p95/p99 per page, and exits non-zero unless 0 requests failed and p95 ≤ 500 ms.

Signatures under load are not measured here yet: the demo holds too little open work to sign repeatedly.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict

from ims.runtime.smoke import Browser, Run, SmokeFailure

USERS = int(os.environ.get("IMS_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("IMS_LOAD_SECONDS", "300"))
THINK = float(os.environ.get("IMS_LOAD_THINK", "1.0"))
PAGE_P95_MS = 500.0
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


def main() -> int:
    run = Run()
    timings: dict[str, list[float]] = defaultdict(list)
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
        print(f"make run ready on port {run.port}; {USERS} users for {SECONDS:.0f} s", flush=True)
        deadline = time.monotonic() + SECONDS

        def user(number: int) -> None:
            account = ACCOUNTS[number % len(ACCOUNTS)]
            opener = browsers[account].opener
            rng = random.Random(number)
            time.sleep(rng.random() * THINK)
            while time.monotonic() < deadline:
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
                time.sleep(THINK)

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 60)
    except SmokeFailure as exc:
        print(f"LOAD TEST FAILED to start: {exc}\n{run.tail()}", file=sys.stderr)
        run.stop()
        return 1
    finally:
        left = run.stop()
        if left:
            run.kill_leftovers()
    every = [t for values in timings.values() for t in values]
    print(f"\n{'page':<40} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for path in sorted(timings):
        values = timings[path]
        print(
            f"{path:<40} {len(values):>6} {statistics.median(values):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {percentile(values, 0.99):>8.1f}"
        )
    if not every:
        print("no request succeeded", file=sys.stderr)
        return 1
    p95 = percentile(every, 0.95)
    print(
        f"{'all pages':<40} {len(every):>6} {statistics.median(every):>8.1f} {p95:>8.1f} "
        f"{percentile(every, 0.99):>8.1f}\nfailed requests: {len(failures)}; {len(every) / SECONDS:.1f} requests/s"
    )
    if failures:
        print("failures (first 10): " + "; ".join(failures[:10]), file=sys.stderr)
    return 0 if not failures and p95 <= PAGE_P95_MS else 1


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
