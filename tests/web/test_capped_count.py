"""Lists over millions of rows never count them all: exact up to a cap, the planner's estimate past it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.web.tables import CappedCountPaginator

pytestmark = pytest.mark.django_db


def test_a_list_counts_exactly_below_the_cap(org, client_for):
    html = client_for(org.admin).get(reverse("org:person_list")).content.decode()
    assert "of about" not in html and "data-count>~" not in html


def test_past_the_cap_the_trail_shows_an_estimate_and_reads_at_most_cap_plus_one_rows(org, client_for, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 5)
    assert AuditEvent.objects.count() > 5
    with CaptureQueriesContext(connection) as queries:
        html = client_for(org.admin).get(reverse("audit:trail")).content.decode()
    assert "of about" in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "audit_auditevent" in q["sql"]]
    assert counts and all("LIMIT 6" in sql for sql in counts), counts
    assert any(q["sql"].startswith("EXPLAIN") for q in queries.captured_queries)
