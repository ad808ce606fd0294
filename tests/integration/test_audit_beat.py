"""Celery beat and a real worker plan the audit programme: beat fires the task again and again, each slot once.

A real ``celery beat`` process (the project's app, its schedule narrowed to the programme task every second and
routed to the test worker's queue) sends the task several times; the real worker runs each. However many runs,
the programme has one audit per slot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import BASE_DIR, _database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.req("ISO9001-9.2")]

#: The beat process: the project's Celery app with only the programme task in its schedule, every second.
BEAT = """
import sys
from ims.celery import app
app.conf.beat_schedule = {
    "audits-programme-schedule": {
        "task": "audits.tasks.programme_schedule", "schedule": 1.0, "options": {"queue": sys.argv[1]},
    }
}
app.start(["beat", "--loglevel=INFO", "--schedule", sys.argv[2], "--pidfile="])
"""


def test_beat_fires_the_programme_task_repeatedly_and_each_slot_is_planned_once(
    celery_worker_process, org, tmp_path: Path
):
    from django.conf import settings
    from django.utils import timezone

    from audits import services
    from audits.choices import RiskLevel
    from audits.models import Audit
    from tests.audits.auditkit import auditor, process_at

    lead = auditor(org)
    process = process_at(org, org.site_a)
    programme = services.programme_create(
        actor=org.admin, year=timezone.localdate().year, title="Site A audits", sites=[org.site_a]
    )
    services.area_add(actor=org.admin, programme=programme, process=process, risk=RiskLevel.HIGH, auditor=lead)
    assert not Audit.objects.filter(programme=programme).exists()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ims.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
    }
    log = tmp_path / "beat.log"
    with log.open("w") as out:
        beat = subprocess.Popen(
            [sys.executable, "-c", BEAT, celery_worker_process, str(tmp_path / "beat-schedule")],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and log.read_text().count("Sending due task") < 5:
                assert beat.poll() is None, log.read_text()
                time.sleep(0.5)
        finally:
            beat.terminate()
            beat.wait(timeout=20)
    sent = log.read_text().count("Sending due task")
    assert sent >= 5, log.read_text()
    time.sleep(3)  # the solo worker finishes the runs beat queued

    audits = Audit.objects.filter(programme=programme)
    assert audits.exists()
    slots = audits.values("area", "site", "period_start").distinct().count()
    assert audits.count() == slots  # five or more runs, one audit per slot
    assert all(a.lead_auditor_id == lead.pk for a in audits)
