"""``make bench``: seed the large organisation into the benchmark database once, then measure and print."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

from django.db import transaction

RESULTS = Path(__file__).resolve().parent / "results" / "latest.txt"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.database import use_bench_database

    url = use_bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
    os.environ["API_THROTTLE_USER"] = "1000000/hour"  # 300 requests a run must not hit the API throttle
    import logging

    import django

    django.setup()
    logging.getLogger("ims.org.import").setLevel(logging.WARNING)
    from django.core.management import call_command

    from ims.org.management.commands.seed_scale import scale_people_count

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"IMS Portal benchmarks — {time.strftime('%Y-%m-%d %H:%M:%S')} — {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    say(f"Database: {url.split('?')[0]}")
    call_command("migrate", verbosity=0, interactive=False)
    size = os.environ.get("IMS_BENCH_SIZE", "large")
    if scale_people_count() == 0:
        started = time.monotonic()
        call_command("seed_scale", size=size)
        say(f"Seeded the {size} organisation in {time.monotonic() - started:.1f} s")
    from django.db.models import Count

    from ims.org.models import Function, Membership, Person, Site

    say(f"Data: {Site.objects.count()} sites, {Function.objects.count()} functions, {Person.objects.count():,} people, "
        f"{Membership.objects.count():,} memberships")  # fmt: skip
    biggest = Site.objects.annotate(n=Count("memberships")).order_by("-n").first()
    say(f"Largest site: {biggest.code} ({biggest.n:,} memberships)")
    say()

    from benchmarks.web import REQUESTS, run_web

    say(f"Lists ({REQUESTS} requests each, Django test client, p50 / p95 in ms, queries per request)")
    for measured, baseline in run_web():
        ratio = measured.p50_ms / baseline.p50_ms if baseline.p50_ms else float("nan")
        say(f"  {measured.label}")
        say(f"    {measured.p50_ms:8.1f} / {measured.p95_ms:8.1f} ms  {measured.queries:3d} queries  "
            f"HTTP {measured.status}{'  count ' + measured.rows if measured.rows else ''}")  # fmt: skip
        say(f"    bare: {baseline.p50_ms:6.1f} / {baseline.p95_ms:8.1f} ms  {baseline.queries:3d} queries  "
            f"count {baseline.rows}  → ratio p50 {ratio:.2f}×")  # fmt: skip
    say()

    from benchmarks.imports import ROWS, run_imports

    say(f"Org import of a generated {ROWS:,}-row file (command-line channel)")
    for label, seconds, report in run_imports():
        say(f"  {label:<28} {seconds:6.2f} s  rows {report.rows:,}, errors {len(report.errors)}, people "
            f"{report.people_created:,} created / {report.people_unchanged:,} unchanged, memberships "
            f"{report.memberships_created:,} created / {report.memberships_unchanged:,} unchanged")  # fmt: skip
    say()
    from benchmarks.audit import history_page, import_audit_ratio

    off, on, ratio = import_audit_ratio()
    say(f"Audit trail cost: import_org of {ROWS:,} rows, trail off {off:.2f} s, on {on:.2f} s → ratio {ratio:.2f}× "
        f"(target ≤ 1.5×)")  # fmt: skip
    from ims.audit.context import audit_context
    from ims.org import services
    from ims.org.models import Person

    subject = Person.objects.filter(employee_id__startswith="SC-", memberships__isnull=False).order_by("pk").first()
    # A colleague with an employee role at the same site (no second factor needed for a page load).
    viewer = (
        Person.objects.filter(
            memberships__site__memberships__person=subject, memberships__role__code="employee", is_active=True
        )
        .exclude(pk=subject.pk)
        .first()
    )
    for edits in (1, 50):
        with transaction.atomic():
            for number in range(edits):
                with audit_context(channel="command", actor_label="benchmark", reason=f"benchmark edit {number}"):
                    services.person_update(person=subject, data={"job_title": f"Operator {number}"})
            events, p50, queries = history_page(subject, viewer)
            say(f"  person page with history: {events:3d} events → p50 {p50:6.1f} ms, {queries} queries")
            transaction.set_rollback(True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
