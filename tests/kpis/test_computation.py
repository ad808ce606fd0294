"""The scheduled computation: one reading per computed KPI, site and period; a re-run adds nothing."""

import datetime

import pytest

from implementation.kpis.computation import computed_readings_record
from implementation.kpis.models import Reading
from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source
from tests.kpis.factories import make_kpi

pytestmark = pytest.mark.django_db
CALLS: list[list[int]] = []


def _compute(*, site_ids, start, end):
    CALLS.append(list(site_ids))
    return {site_id: SourceValue(90.0 + site_id % 5, 50) for site_id in site_ids}


register_source(KpiSource(key="test_source", label="Test source", unit="%", direction="higher", compute=_compute))


def test_computed_readings_are_recorded_once_per_kpi_site_and_period(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a, org.site_b], data_source="computed", source_key="test_source")
    CALLS.clear()
    result = computed_readings_record(today=datetime.date(2025, 4, 10))
    assert result["created"] == 2
    assert CALLS == [sorted([org.site_a.pk, org.site_b.pk])]  # one call for all sites
    readings = Reading.objects.filter(kpi=kpi)
    assert {(r.period_start, r.period_end, r.channel, r.denominator) for r in readings} == {
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31), "computed", 50)
    }
    again = computed_readings_record(today=datetime.date(2025, 4, 20))
    assert again["created"] == 0
    assert Reading.objects.count() == 2
    nxt = computed_readings_record(today=datetime.date(2025, 5, 2))
    assert nxt["created"] == 2


@pytest.mark.parametrize(
    "key",
    ["acknowledgement_coverage", "training_compliance", "capa_overdue", "capa_on_time_rate",
     "effectiveness_pass_rate", "findings_per_audit", "risk_reviews_overdue"],
)  # fmt: skip
def test_the_product_sources_are_registered_and_answer_for_many_sites(org, key):
    from ims.indicators.kpi_sources import source_compute

    values = source_compute(
        key, site_ids=[org.site_a.pk, org.site_b.pk], start=datetime.date(2025, 3, 1), end=datetime.date(2025, 3, 31)
    )
    assert isinstance(values, dict)


def test_the_beat_task_records_and_a_rerun_adds_nothing(org):
    from implementation.kpis import tasks

    make_kpi(owner=org.qm_a, sites=[org.site_a], data_source="computed", source_key="test_source", code="K-TASK")
    first = tasks.computed_readings_record()
    assert first["created"] == 1
    assert tasks.computed_readings_record()["created"] == 0
