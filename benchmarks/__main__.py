"""``make bench``: seed the large organisation into the benchmark database once, then measure and print."""

from __future__ import annotations

import io
import os
import platform
import sys
import time
from pathlib import Path

from django.db import transaction

RESULTS = Path(__file__).resolve().parent / "results" / "latest.txt"
SECTIONS = (
    "pages",
    "api",
    "web",
    "imports",
    "audit",
    "acknowledgements",
    "training",
    "processes",
    "capa",
    "audits",
    "packs",
    "framework",
    "risks",
    "manual",
    "rollout",
    "kpis",
    "review",
)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks [section …]``: all sections by default, or the ones named (see ``SECTIONS``)."""
    chosen = list(argv if argv is not None else sys.argv[1:]) or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        print(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
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
    seeded = scale_people_count() == 0
    started = time.monotonic()
    output = io.StringIO()
    # Idempotent: on an organisation seeded earlier it only adds the apps' scale data that is missing.
    call_command("seed_scale", size=size, stdout=output)
    print(output.getvalue(), end="", flush=True)
    if seeded:
        say(f"Seeded the {size} organisation in {time.monotonic() - started:.1f} s")
    for line in output.getvalue().splitlines():
        if line.startswith(
            (
                "Document control:",
                "Policies and objectives:",
                "Training:",
                "Processes and gap analysis:",
                "CAPA:",
                "Internal audits:",
                "IMS framework:",
                "Risks and obligations:",
            )
        ):
            say(f"  {line}")
    from django.db.models import Count

    from ims.org.models import Function, Membership, Person, Site

    say(f"Data: {Site.objects.count()} sites, {Function.objects.count()} functions, {Person.objects.count():,} people, "
        f"{Membership.objects.count():,} memberships")  # fmt: skip
    biggest = Site.objects.annotate(n=Count("memberships")).order_by("-n").first()
    say(f"Largest site: {biggest.code} ({biggest.n:,} memberships)")
    # What the minutely beat task keeps current in production: the stored compliance figures of every site.
    from training.matrix import compliance_figures_refresh

    started = time.monotonic()
    refreshed = compliance_figures_refresh(every_site=True)
    say(f"Training compliance figures recomputed for all {len(refreshed)} sites in {time.monotonic() - started:.1f} s "
        f"(the minutely beat task's work when every site changed)")  # fmt: skip
    say()

    if "pages" in chosen:
        from benchmarks.pages import run_pages

        run_pages(say, only=os.environ.get("IMS_BENCH_PAGE"))
    if "api" in chosen:
        from benchmarks.api import run_api

        run_api(say)
    if "web" in chosen:
        web_section(say)
    if "imports" in chosen:
        imports_section(say)
    if "audit" in chosen:
        audit_section(say)
    if "acknowledgements" in chosen:
        from benchmarks.acknowledgements import run_acknowledgements

        run_acknowledgements(say)
    if "training" in chosen:
        from benchmarks.training import run_training

        run_training(say)
        say()
    if "processes" in chosen:
        from benchmarks.processes import run_processes

        run_processes(say)
    if "framework" in chosen:
        from benchmarks.framework import run_framework

        run_framework(say)
    if "risks" in chosen:
        from benchmarks.risks import run_risks

        run_risks(say)
    if "manual" in chosen:
        from benchmarks.manual import run_manual

        run_manual(say)
    if "rollout" in chosen:
        from benchmarks.rollout import run_rollout

        run_rollout(say)
    if "kpis" in chosen:
        from benchmarks.kpis import run_kpis

        run_kpis(say)
    if "review" in chosen:
        from benchmarks.review import run_review

        run_review(say)
    if "capa" in chosen:
        from benchmarks.capa import run_capa

        run_capa(say)
    if "audits" in chosen:
        from benchmarks.audits import run_audits

        run_audits(say)
    if "packs" in chosen:
        from benchmarks.packs import run_packs

        run_packs(say)
    results = RESULTS if chosen == list(SECTIONS) else RESULTS.with_name(f"latest-{'-'.join(chosen)}.txt")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {results}")
    return 0


def web_section(say) -> None:
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


def imports_section(say) -> None:
    from benchmarks.imports import ROWS, run_follow_up, run_imports

    say(f"Org import of a generated {ROWS:,}-row file (command-line channel)")
    for label, seconds, report in run_imports():
        mark = "" if label != "applied" else f"  (target ≤ 5 s: {'ok' if seconds <= 5 else 'OVER TARGET'})"
        say(f"  {label:<28} {seconds:6.2f} s  rows {report.rows:,}, errors {len(report.errors)}, people "
            f"{report.people_created:,} created / {report.people_unchanged:,} unchanged, memberships "
            f"{report.memberships_created:,} created / {report.memberships_unchanged:,} unchanged{mark}")  # fmt: skip
    say("  then in the background (the tasks the import queues after commit; one set-based reconcile each)")
    for label, seconds, figures in run_follow_up():
        say(f"    {label:<28} {seconds:6.2f} s  {', '.join(f'{k} {v:,}' for k, v in figures.items())}")
    say()


def audit_section(say) -> None:
    from benchmarks.audit import history_page, import_audit_ratio
    from benchmarks.imports import ROWS

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
    say()


if __name__ == "__main__":
    sys.exit(main())
