"""The audit calendar: its query count does not grow with the number of audits in the month or quarter."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .auditkit import audit_at, auditor, process_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", ["month", "quarter"])
def test_the_calendar_runs_the_same_queries_for_1_and_for_12_audits(org, client_for, view):
    lead = auditor(org)
    process = process_at(org, org.site_a)
    audit_at(org, lead=lead, process=process, planned_date=datetime.date(2026, 11, 2))
    client = client_for(org.admin)
    url = reverse("audits:calendar")
    params = {"view": view, "on": "2026-11-01"}
    client.get(url, params)  # warm the per-process caches

    with CaptureQueriesContext(connection) as one:
        page = client.get(url, params)
    assert page.status_code == 200 and page.content.decode().count("/audits/") >= 1
    for day in range(3, 14):
        audit_at(
            org, lead=lead, process=process, planned_date=datetime.date(2026, 11, day), title=f"Audit on the {day}th"
        )
    with CaptureQueriesContext(connection) as twelve:
        page = client.get(url, params)
    assert page.status_code == 200 and "Audit on the 13th" in page.content.decode()
    assert len(twelve) == len(one), [q["sql"][:120] for q in twelve.captured_queries]
