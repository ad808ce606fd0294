"""The management-review input "KPI performance": KPIs of the sites with their latest value and the signals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from implementation.kpis.signals import signals_detect
from ims.indicators.review_inputs import inputs_all
from tests.kpis.factories import add_series, make_kpi

pytestmark = pytest.mark.django_db


def test_kpi_performance_shows_the_sites_kpis_and_signals(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a], unit="units", physical_max=None, target=Decimal(12))
    add_series(kpi, org.site_a, [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13, 40])
    signals_detect(kpi_id=kpi.pk, site_ids=[org.site_a.pk])
    collect = next(i for i in inputs_all() if i.key == "kpi_performance").collect
    today = datetime.date.today()
    section = collect(user=org.qm_a, site_ids=[org.site_a.pk], start=datetime.date(2024, 1, 1), end=today)
    assert section.figures["kpis"] == 1 and section.figures["signals"] == 1
    assert kpi.code in section.html and "<svg" in section.html
    other = collect(user=org.qm_b, site_ids=[org.site_a.pk], start=datetime.date(2024, 1, 1), end=today)
    assert other.figures["kpis"] == 0 and other.figures["signals"] == 0
