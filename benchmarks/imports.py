"""Time ``org_import`` of a generated 10,000-row file: dry run, applied, and the same file again (no change).

The applied runs happen inside a transaction that is rolled back, so every benchmark run measures
the same work and the benchmark database does not grow.
"""

from __future__ import annotations

import csv
import io
import time

from django.db import transaction

from ims.org.importer import COLUMNS, ImportReport, org_import
from ims.org.models import Function, Role, Site

ROWS = 10_000
PREFIX = "IMPB-"
FIRST = ("Zoë", "José", "Anna", "芳", "Łukasz", "Siobhán", "Wei")
LAST = ("Müller", "Ó Briain", "王", "Smith", "Nowak")


def import_file(rows: int = ROWS) -> bytes:
    """``rows`` memberships of about 7,000 new people, whose 200 managers appear at the end of the file."""
    sites = list(Site.objects.filter(is_active=True).values_list("code", flat=True)[:40])
    functions = list(Function.objects.filter(is_active=True).values_list("code", flat=True)[:60])
    roles = [r for r in Role.objects.filter(is_global=False).values_list("code", flat=True)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    people = int(rows * 0.7)
    written = 0
    number = 0
    while written < rows:
        number = number % people + 1
        first, last = FIRST[number % len(FIRST)], LAST[number % len(LAST)]
        manager = f"{PREFIX}{people - 200 + number * 7919 % 200 + 1:05d}" if number <= people - 200 else ""
        site = sites[number % len(sites)]
        function = functions[(number + written // people) % len(functions)]
        writer.writerow([
            f"{PREFIX}{number:05d}", f"impb{number:05d}", first, last, f"impb{number:05d}@bench.example", "Operator",
            manager, site, function, roles[(number + written // people) % len(roles)], "2026-01-01", "",
        ])  # fmt: skip
        written += 1
    return buffer.getvalue().encode("utf-8")


def run_imports() -> list[tuple[str, float, ImportReport]]:
    content = import_file()
    results = []
    started = time.perf_counter()
    report = org_import(actor=None, content=content, dry_run=True, source="benchmark")
    results.append(("dry run", time.perf_counter() - started, report))
    with transaction.atomic():
        started = time.perf_counter()
        report = org_import(actor=None, content=content, dry_run=False, source="benchmark")
        results.append(("applied", time.perf_counter() - started, report))
        started = time.perf_counter()
        report = org_import(actor=None, content=content, dry_run=False, source="benchmark")
        results.append(("applied again (no change)", time.perf_counter() - started, report))
        transaction.set_rollback(True)
    return results


def run_follow_up() -> list[tuple[str, float, dict]]:
    """The background work after the import (the two reconcile tasks' bodies, in this process): seconds and what
    each created, inside a transaction that is rolled back."""
    from ims.org.models import Person
    from policies.distribution import acknowledgements_reconcile
    from training.assignments import assignments_reconcile

    content = import_file()
    results = []
    with transaction.atomic():
        org_import(actor=None, content=content, dry_run=False, source="benchmark")
        people = list(Person.objects.filter(employee_id__startswith=PREFIX).values_list("pk", flat=True))
        for label, reconcile in (
            ("training assignments", assignments_reconcile),
            ("acknowledgement tasks", acknowledgements_reconcile),
        ):
            started = time.perf_counter()
            figures = reconcile(person_ids=people)
            results.append((label, time.perf_counter() - started, figures))
        started = time.perf_counter()
        again = assignments_reconcile(person_ids=people)
        results.append(("training assignments again", time.perf_counter() - started, again))
        transaction.set_rollback(True)
    return results
