"""The demo KPIs (20, 24 months, one out-of-control signal noticed to its owner) and the scale seed, both idempotent;
the scheduled computation over the scale data records the missing month once."""

from __future__ import annotations

import pytest

from implementation.kpis import demo, scale
from implementation.kpis.computation import computed_readings_record
from implementation.kpis.models import Kpi, KpiSignal, Reading
from implementation.kpis.signals import NOTICE_CATEGORY
from ims.notifications.models import Notice
from ims.org.demo import demo_seed as org_demo_seed
from ims.org.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_kpis_have_24_months_and_one_signal(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    summary = demo.kpis_demo_seed()
    assert summary.startswith("KPIs 20 created") and summary.endswith("signals 1"), summary
    assert Kpi.objects.count() == 20
    assert {k.discipline for k in Kpi.objects.all()} == {"quality", "environment", "ohs"}
    sites = Site.objects.filter(code__in=demo.SITES).count()
    assert Reading.objects.count() == 20 * sites * demo.MONTHS
    signal = KpiSignal.objects.get()
    assert (signal.kpi.code, signal.site.code) == (demo.SIGNAL_KPI, demo.SIGNAL_SITE)
    assert Notice.objects.filter(person=signal.kpi.owner, category=NOTICE_CATEGORY).exists()
    assert demo.kpis_demo_seed() == "KPIs 0 created, readings 0 created, signals 0"


def test_the_scale_seed_and_the_computation_over_it(org):
    from ims.testing.factories import SiteFactory

    for number in range(1, 4):
        SiteFactory(code=f"SC{number:02d}")
    summary = scale.kpis_scale_seed("small", log=lambda _m: None)
    assert summary.startswith("50 KPIs at 3 sites"), summary
    computed = len(scale.COMPUTED)
    assert Reading.objects.count() == (50 - computed) * 3 * 36 + computed * 3 * 35
    assert scale.kpis_scale_seed("small", log=lambda _m: None).endswith("nothing changed")
    first = computed_readings_record()
    assert first["created"] <= computed * 3
    assert computed_readings_record()["created"] == 0
