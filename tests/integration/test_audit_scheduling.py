"""The audit programme's beat task in a real worker process (not eager mode): planned once per slot."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.req("ISO9001-9.2")]


def wait_for(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_the_worker_plans_the_next_quarter_once_whatever_the_runs(celery_worker_process, org):
    from django.utils import timezone

    from audits import services
    from audits.choices import RiskLevel
    from audits.models import Audit
    from audits.tasks import programme_schedule
    from tests.audits.auditkit import auditor, process_at

    lead = auditor(org)
    process = process_at(org, org.site_a)
    programme = services.programme_create(
        actor=org.admin, year=timezone.localdate().year, title="Site A audits", sites=[org.site_a]
    )
    services.area_add(actor=org.admin, programme=programme, process=process, risk=RiskLevel.HIGH, auditor=lead)

    programme_schedule.apply_async(queue=celery_worker_process)
    assert wait_for(lambda: Audit.objects.filter(programme=programme).exists())
    time.sleep(1)
    planned = Audit.objects.filter(programme=programme).count()
    # The beat may fire again, a worker restart may redeliver: each run finds every slot planned.
    for _n in range(3):
        programme_schedule.apply_async(queue=celery_worker_process)
    time.sleep(5)  # one worker process, solo pool: the runs are done one after the other
    assert Audit.objects.filter(programme=programme).count() == planned
    assert (
        planned == Audit.objects.filter(programme=programme).values("area", "site", "period_start").distinct().count()
    )
    audit = Audit.objects.filter(programme=programme).first()
    assert audit.lead_auditor == lead  # the auditor sees it in their tasks
    from audits.selectors import my_open_audits

    assert audit in my_open_audits(person=lead)
