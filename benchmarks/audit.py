"""The audit trail's cost: ``import_org`` of 10,000 rows with the capture triggers on and off, and a record
page with its history (queries and time, 1 event vs many)."""

from __future__ import annotations

import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.imports import import_file
from ims.audit.database import CAPTURE_OPERATIONS
from ims.audit.registry import audited_models
from ims.org.importer import org_import


class Rollback(Exception):
    pass


def _timed_import(content: bytes, *, audit_on: bool) -> float:
    seconds = 0.0
    try:
        with transaction.atomic():
            if not audit_on:
                with connection.cursor() as cursor:
                    for entry in audited_models():
                        for name, _operation, _transition in CAPTURE_OPERATIONS:
                            cursor.execute(f"ALTER TABLE {entry.table} DISABLE TRIGGER ims_audit_capture_{name}")
            started = time.perf_counter()
            org_import(actor=None, content=content, dry_run=False, source="benchmark")
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds


def import_audit_ratio(repeats: int = 2) -> tuple[float, float, float]:
    """(seconds with the trail off, on, ratio) — best of ``repeats`` each, runs alternating."""
    content = import_file()
    off, on = [], []
    for _ in range(repeats):
        off.append(_timed_import(content, audit_on=False))
        on.append(_timed_import(content, audit_on=True))
    return min(off), min(on), min(on) / min(off)


def history_page(person, viewer, requests: int = 20) -> tuple[int, float, int]:
    """(events in the person's history, p50 ms, queries) of the person's page as ``viewer``."""
    from ims.audit.models import AuditEvent

    client = Client()
    client.force_login(viewer)
    client.get(person.get_absolute_url())
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(person.get_absolute_url())
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(person.get_absolute_url())
    assert response.status_code == 200, response.status_code
    events = AuditEvent.objects.for_record(person).count()
    return events, statistics.median(timings), len(ctx.captured_queries)
