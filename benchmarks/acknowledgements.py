"""Read-and-acknowledge at scale: distributing a company-wide policy, and the coverage page.

(a) A company-wide policy (every site, no function or role filter) is made effective through the real path,
``ims.documents.services.version_make_effective`` → ``version_effective`` → ``policies.distribution``;
timed with its query count, deferred constraints checked inside the timing, then rolled back so the
benchmark database stays as seeded.
(b) ``/policies/coverage/`` (per site, drill-down to functions and to people) as the global admin and as a
quality manager of the largest site, through the Django test client.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.web import Timing, principals
from ims.audit.context import audit_context
from ims.documents import services
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.org.models import Site
from ims.testing.auth import signed_in_client
from policies.models import Acknowledgement, AcknowledgementStatus

REQUESTS = 30
WARM_UP = 3
TARGET_DISTRIBUTION_S = 30
TARGET_COVERAGE_P95_MS = 300
COVERAGE_URL = "/policies/coverage/"


def run_distribution() -> tuple[float, int, int, int]:
    """Seconds, tasks created, queries and sites for making a company-wide policy effective (rolled back)."""
    principal = dict(principals())
    admin = principal["global admin"]
    approver = next(p for label, p in principal.items() if label.startswith("quality manager"))
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic(), audit_context(channel="command", actor_label="benchmark", reason="benchmark"):
        # Foreign keys are checked at commit by default: check them at once, inside the timing.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        sites = list(Site.objects.filter(is_active=True))
        document = ControlledDocument._base_manager.create(
            number="BENCH-POL-001",
            title="Benchmark Company-wide Policy",
            doc_type=DocumentType.POLICY,
            disciplines=[Discipline.QUALITY],
            owner=admin,
            requires_acknowledgement=True,
        )
        document.sites.set(sites)
        # Approved (the state the approval's signature leaves it in), effective today: inserted in that state.
        version = DocumentVersion._base_manager.create(
            document=document,
            number=1,
            status=VersionStatus.APPROVED,
            body="# Benchmark policy\n\nEveryone reads this.\n",
            effective_date=today,
            author=admin,
            submitted_at=now - datetime.timedelta(days=3),
            approved_by=approver,
            approved_at=now,
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            services.version_make_effective(version=version, on=today)
            seconds = time.perf_counter() - started
        created = Acknowledgement._base_manager.filter(version=version, status=AcknowledgementStatus.OPEN).count()
        transaction.set_rollback(True)
    return seconds, created, len(queries.captured_queries), len(sites)


def measure(client, label: str, url: str, requests: int = REQUESTS) -> Timing:
    for _ in range(WARM_UP):
        response = client.get(url)
    executed = []

    def count(execute, sql, params, many, context):
        # Not CaptureQueriesContext: the test client's request_started signal empties the queries log.
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Timing(label, url, statistics.median(samples), cuts[94], len(executed), response.status_code)


def _busiest_function(site: Site) -> int | None:
    row = (
        Acknowledgement._base_manager.filter(site=site, version__status=VersionStatus.EFFECTIVE)
        .exclude(status=AcknowledgementStatus.CANCELLED)
        .values("function_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "function_id")
        .first()
    )
    return row["function_id"] if row else None


def run_coverage() -> list[tuple[Timing, int]]:
    """(timing, tasks in the figures) for the coverage page and its drill-downs, per principal."""
    from benchmarks.web import largest_site

    site = largest_site()
    function_id = _busiest_function(site)
    results = []
    for who, person in principals():
        if person is None:
            continue
        client = signed_in_client(person)
        pages = [
            (f"coverage per site as {who}", COVERAGE_URL),
            (f"coverage of {site.code} per function as {who}", f"{COVERAGE_URL}?site={site.pk}"),
        ]
        if function_id is not None:
            pages.append(
                (
                    f"coverage of {site.code}, busiest function, people as {who}",
                    f"{COVERAGE_URL}?site={site.pk}&function={function_id}",
                )
            )
        for label, url in pages:
            results.append(measure(client, label, url))
    return results


def run_acknowledgements(say) -> None:
    tasks = Acknowledgement._base_manager.exclude(status=AcknowledgementStatus.CANCELLED)
    total = tasks.count()
    acknowledged = tasks.filter(status=AcknowledgementStatus.ACKNOWLEDGED).count()
    overdue = tasks.filter(status=AcknowledgementStatus.OPEN, due_date__lt=timezone.localdate()).count()
    documents = ControlledDocument._base_manager.count()
    say(f"Read and acknowledge: {documents:,} documents, {total:,} live tasks ({acknowledged:,} acknowledged, "
        f"{overdue:,} overdue)")  # fmt: skip
    seconds, created, queries, sites = run_distribution()
    mark = "ok" if seconds <= TARGET_DISTRIBUTION_S else "OVER TARGET"
    say(f"  company-wide policy ({sites} sites) made effective: {seconds:6.2f} s, {created:,} tasks created, "
        f"{queries} queries (target ≤ {TARGET_DISTRIBUTION_S} s: {mark})")  # fmt: skip
    say(f"  coverage page ({REQUESTS} requests each, p50 / p95 in ms, queries per request; "
        f"target p95 ≤ {TARGET_COVERAGE_P95_MS} ms)")  # fmt: skip
    for timing in run_coverage():
        mark = "" if timing.p95_ms <= TARGET_COVERAGE_P95_MS else "  OVER TARGET"
        say(f"    {timing.label}")
        say(f"      {timing.p50_ms:8.1f} / {timing.p95_ms:8.1f} ms  {timing.queries:3d} queries  "
            f"HTTP {timing.status}{mark}")  # fmt: skip
