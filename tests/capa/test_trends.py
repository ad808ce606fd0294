"""CAPA trend metrics: the figures (cycle time, on-time %, effectiveness pass rate, open CAPAs by age per site),
the scope of the user, and a constant number of queries however many CAPAs there are."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from capa import trends
from capa.choices import ActionStatus, CapaState, CheckStatus
from capa.models import Capa, CapaAction, EffectivenessCheck

from .capakit import capa_at

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def closed(org, opened: datetime.datetime, days: int, **extra) -> Capa:
    capa = capa_at(org, **extra)
    Capa._base_manager.filter(pk=capa.pk).update(
        state=CapaState.CLOSED, opened_at=opened, closed_at=opened + datetime.timedelta(days=days)
    )
    return capa


def test_the_figures(org):
    start = datetime.datetime(2026, 1, 5, tzinfo=UTC)
    first = closed(org, start, 10)
    closed(org, start, 20)
    closed(org, start, 60)
    CapaAction._base_manager.create(
        capa=first, kind="corrective", title="a", owner=org.emp_a, due_date=datetime.date(2026, 2, 1),
        status=ActionStatus.DONE, done_at=datetime.datetime(2026, 1, 30, tzinfo=UTC), evidence_note="x",
    )  # fmt: skip
    CapaAction._base_manager.create(
        capa=first, kind="corrective", title="b", owner=org.emp_a, due_date=datetime.date(2026, 2, 1),
        status=ActionStatus.DONE, done_at=datetime.datetime(2026, 2, 10, tzinfo=UTC), evidence_note="x",
    )  # fmt: skip
    for status in (CheckStatus.PASSED, CheckStatus.PASSED, CheckStatus.FAILED):
        EffectivenessCheck._base_manager.create(
            capa=first, criterion="no_recurrence", months=1, window_start=datetime.date(2026, 1, 1),
            due_date=datetime.date(2026, 2, 1), status=status, planned_by=org.qm_a,
            evaluated_at=datetime.datetime(2026, 2, 2, tzinfo=UTC),
        )  # fmt: skip
    today = timezone.localdate()
    young = capa_at(org)
    old = capa_at(org, site=org.site_b)
    Capa._base_manager.filter(pk=old.pk).update(opened_at=timezone.now() - datetime.timedelta(days=200))
    data = trends.capa_trends(user=org.admin, on=today)
    assert data.cycle == [{"quarter": "2026-Q1", "closed": 3, "median_days": 20.0, "mean_days": 30.0}]
    assert data.on_time == [{"quarter": "2026-Q1", "done": 2, "on_time": 1, "percent": 50.0}]
    assert data.effectiveness == [{"quarter": "2026-Q1", "evaluated": 3, "passed": 2, "percent": 66.7}]
    assert data.ages == [
        {"site": "SITEA", "buckets": [1, 0, 0, 0], "total": 1},
        {"site": "SITEB", "buckets": [0, 0, 0, 1], "total": 1},
    ]
    assert young.pk
    own = trends.capa_trends(user=org.qm_a, on=today)
    assert [row["site"] for row in own.ages] == ["SITEA"]
    assert trends.capa_trends(user=org.nosite, on=today).ages == []


def test_the_query_count_does_not_grow_with_the_capas(org):
    def count() -> int:
        trends.capa_trends(user=org.qm_a)
        with CaptureQueriesContext(connection) as queries:
            trends.capa_trends(user=org.qm_a)
        return len(queries)

    capa_at(org)
    few = count()
    for n in range(30):
        closed(org, datetime.datetime(2025, 1 + n % 12, 1, tzinfo=UTC), n + 1)
        capa_at(org)
    assert count() == few
