"""Finding trends and recurrences: set-based aggregates, the query count does not grow with the findings."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import selectors
from audits.charts import pareto_chart, quarter_chart
from audits.models import Finding

from .auditkit import clause, process_at, started

pytestmark = pytest.mark.django_db


def bulk_findings(audit, lead, n: int, *, day=datetime.date(2026, 2, 10), grade="minor", number="9", process=None):
    start = Finding._base_manager.count()
    Finding._base_manager.bulk_create(
        Finding(
            audit=audit, site=audit.site, reference=f"T-{start + i}", grade=grade, clause=clause(number),
            process=process, statement="s", evidence_reference="e", raised_on=day, raised_by=lead,
        )
        for i in range(n)
    )  # fmt: skip


def test_recurrences_count_site_clause_process_in_the_window(org):
    audit, lead = started(org)
    process = audit.processes.get()
    bulk_findings(audit, lead, 3, process=process)
    bulk_findings(audit, lead, 2, process=None)
    bulk_findings(audit, lead, 1, process=process, day=datetime.date(2025, 1, 1))
    ids = list(Finding.objects.filter(process=process).values_list("pk", flat=True))
    count = selectors.finding_recurrences(
        site_id=org.site_a.pk, clause_id=clause("9").pk, process_id=process.pk,
        since=datetime.date(2026, 1, 1), until=datetime.date(2026, 12, 31),
    )  # fmt: skip
    assert count == 3
    assert selectors.finding_recurrences(
        site_id=org.site_a.pk, clause_id=clause("9").pk, process_id=None,
        since=datetime.date(2026, 1, 1), until=datetime.date(2026, 12, 31),
    ) == 2  # fmt: skip
    assert selectors.finding_recurrences(
        site_id=org.site_a.pk, clause_id=clause("9").pk, process_id=process.pk,
        since=datetime.date(2026, 1, 1), until=datetime.date(2026, 12, 31), exclude_finding_ids=ids[:1],
    ) == 2  # fmt: skip
    Finding._base_manager.filter(pk=ids[1]).update(status="cancelled")
    assert selectors.finding_recurrences(
        site_id=org.site_b.pk, clause_id=clause("9").pk, process_id=process.pk,
        since=datetime.date(2026, 1, 1), until=datetime.date(2026, 12, 31),
    ) == 0  # fmt: skip


def test_trends_pareto_quarters_and_recurring_clauses(org):
    audit, lead = started(org)
    bulk_findings(audit, lead, 5, number="9")
    bulk_findings(audit, lead, 2, number="9", day=datetime.date(2026, 5, 2), grade="major")
    bulk_findings(audit, lead, 1, number="8.1", grade="observation")
    trends = selectors.finding_trends(user=org.qm_a)
    assert trends.total == 8
    assert [row["label"] for row in trends.pareto] == ["AUD-STD 9", "AUD-STD 8.1"]
    assert trends.pareto[-1]["cumulative"] == 100
    assert [row["quarter"] for row in trends.by_quarter] == ["2026 Q1", "2026 Q2"]
    assert trends.by_quarter[1]["major"] == 2
    assert [row["label"] for row in trends.recurring] == ["AUD-STD 9"]
    assert selectors.finding_trends(user=org.qm_b).total == 0
    assert selectors.finding_trends(user=org.qm_a, grades=["major"]).total == 2
    svg = pareto_chart(trends.pareto, title="P") + quarter_chart(trends.by_quarter, title="Q")
    assert svg.count("<svg") == 2 and "AUD-STD 9" in svg


def test_the_query_count_is_constant_in_the_number_of_findings(org, client_for):
    audit, lead = started(org)
    other = process_at(org)
    bulk_findings(audit, lead, 1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.finding_trends(user=org.qm_a)
        return len(queries)

    count()  # warm the per-process caches (permissions, content types)
    one = count()
    bulk_findings(audit, lead, 300, process=other)
    bulk_findings(audit, lead, 200, number="8.1", day=datetime.date(2026, 8, 1))
    assert count() == one
    client = client_for(org.qm_a)
    client.get("/audits/trends/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/audits/trends/").status_code == 200
    bulk_findings(audit, lead, 300, number="4.1", day=datetime.date(2026, 11, 1))
    with CaptureQueriesContext(connection) as large:
        page = client.get("/audits/trends/")
    assert len(large) == len(small)
    assert page.content.decode().count("<svg") >= 2
    csv = client.get("/audits/trends/", {"export": "csv"}).content.decode()
    assert "AUD-STD 4.1" in csv
    pdf = client.get("/audits/trends/", {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
