"""The audits demo: the 2026 programme at Basel, quarterly audits, two carried out with findings; idempotent."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

from audits.choices import AuditStatus
from audits.models import Audit, AuditProgramme, Finding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_is_seeded_once(capsys):
    call_command("seed_demo")
    programme = AuditProgramme.objects.get(year=2026, sites__code="BSL")
    quarterly = Audit.objects.filter(programme=programme, area__process__code="EHS-INC").order_by("period_start")
    assert [a.period_start.month for a in quarterly] == [1, 4, 7, 10]
    assert quarterly[0].status == AuditStatus.APPROVED and quarterly[1].status == AuditStatus.COMPLETED
    grades = set(Finding.objects.filter(audit__programme=programme).values_list("grade", flat=True))
    assert {"major", "minor", "observation"} <= grades
    lead = quarterly[0].lead_auditor
    assert lead.username == "auditor.basel"
    counts = (Audit.objects.count(), Finding.objects.count())
    assert apps.get_app_config("audits").demo_seed() == "audits unchanged"
    call_command("seed_demo")
    assert (Audit.objects.count(), Finding.objects.count()) == counts
