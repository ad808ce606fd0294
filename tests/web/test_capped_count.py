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
    from ims.audit.views import AuditTrailPaginator

    assert AuditTrailPaginator.COUNT_CAP < CappedCountPaginator.COUNT_CAP  # wide rows: the trail counts fewer
    monkeypatch.setattr(AuditTrailPaginator, "COUNT_CAP", 5)
    assert AuditEvent.objects.count() > 5
    with CaptureQueriesContext(connection) as queries:
        html = client_for(org.admin).get(reverse("audit:trail")).content.decode()
    assert "of about" in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "audit_auditevent" in q["sql"]]
    assert counts and all("LIMIT 6" in sql for sql in counts), counts
    assert any(q["sql"].startswith("EXPLAIN") for q in queries.captured_queries)


def test_a_list_is_counted_once_without_its_order(org, client_for):
    """The count ignores the list's order (any first cap + 1 rows count the same) and runs once per page."""
    with CaptureQueriesContext(connection) as queries:
        client_for(org.qm_a).get(reverse("org:person_list"))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "org_person" in q["sql"]]
    assert len(counts) == 1, counts
    assert "ORDER BY" not in counts[0]


def test_a_site_scoped_estimate_names_the_user_s_sites(org, client_for, monkeypatch):
    """Past the cap, a site user's estimate is asked with their sites as literal ids next to the scoping subquery,
    so that the planner uses the site column's statistics instead of guessing the subquery's share."""
    from tests.training.factories import course_at, require
    from training.models import Assignment

    require(org.site_a, course_at(org.site_a))
    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 1)
    assert Assignment.objects.restrict(org.qm_a, "view").count() > 1
    with CaptureQueriesContext(connection) as queries:
        html = client_for(org.qm_a).get(reverse("training:assignment_list")).content.decode()
    assert "of about" in html or "data-count>~" in html
    explains = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert explains and f"IN ({org.site_a.pk})" in explains[0], explains
