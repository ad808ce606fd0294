"""Every key page at scale (``python -m benchmarks pages``): p50 / p95, size of the HTML and queries per request,
as the quality manager of the largest site and as the Global Admin, each figure next to its target.

Targets (issue "performance at scale"): p95 ≤ 300 ms, HTML ≤ 300 KB, for every page and both principals.
Requests go through the Django test client in this process (the full middleware stack and templates, no network).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.db import connection

from benchmarks.web import largest_site, principals
from ims.runtime.process import process_ready
from ims.testing.auth import signed_in_client

REQUESTS = 20
WARM_UP = 3
TARGET_P95_MS = 300.0
TARGET_HTML_KB = 300.0


@dataclass
class PageTiming:
    label: str
    url: str
    p50_ms: float
    p95_ms: float
    queries: int
    status: int
    kilobytes: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.p95_ms <= TARGET_P95_MS and self.kilobytes <= TARGET_HTML_KB


def pages(site) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/"),
        ("people", "/org/people/"),
        ("documents", "/documents/"),
        ("acknowledgement coverage", "/policies/coverage/"),
        ("training matrix, largest site", f"/training/matrix/?site={site.pk}"),
        ("training compliance, default", "/training/compliance/"),
        ("training compliance, largest site", f"/training/compliance/?site={site.pk}"),
        ("training assignments", "/training/assignments/"),
        ("training records", "/training/records/"),
        ("my tasks", "/policies/my-tasks/"),
        ("my training", "/training/my/"),
        ("audit trail", "/audit/"),
        ("inbox", "/inbox/"),
    ]


def measure_page(client, label: str, url: str, requests: int = REQUESTS) -> PageTiming:
    for _ in range(WARM_UP):
        client.get(url)
    process_ready()  # as a web worker is once started (ims/wsgi.py): what the benchmark made before is not garbage
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    size = len(response.content)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    median = statistics.median(samples)
    return PageTiming(label, url, median, cuts[94], len(executed), response.status_code, size / 1024)


def run_pages(say, only: str | None = None) -> list[PageTiming]:
    site = largest_site()
    say(f"Pages ({REQUESTS} requests each after {WARM_UP} warm-up, test client; p50 / p95 ms, KB of HTML, queries; "
        f"target p95 ≤ {TARGET_P95_MS:.0f} ms and ≤ {TARGET_HTML_KB:.0f} KB)")  # fmt: skip
    results = []
    for who, person in principals():
        if person is None:
            continue
        client = signed_in_client(person)
        say(f"  as {who} ({person.username})")
        for label, url in pages(site):
            if only and only not in label:
                continue
            timing = measure_page(client, label, url)
            results.append(timing)
            mark = "ok" if timing.ok else "OVER TARGET"
            say(f"    {label:<36} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
                f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
    failing = [t for t in results if not t.ok]
    say(f"  {len(results) - len(failing)} of {len(results)} pages within target")
    say()
    return results
