"""Training-due reminders in a real worker process (not eager mode): the daily sweep, once a day."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.req("ISO9001-7.2")]


def wait_for(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_training_reminders_in_the_daily_digest_once_a_day(celery_worker_process, org):
    from django.utils import timezone

    from ims.notifications.models import Digest, Notice
    from ims.notifications.tasks import daily_sweep
    from ims.org.choices import RoleCode
    from tests.training.factories import course_at, require
    from training.models import Assignment

    for _n in range(2):
        require(
            org.site_a,
            course_at(org.site_a, title="Cleanroom gowning"),
            role=org.roles[RoleCode.EMPLOYEE],
            grace_days=5,
        )
    today = timezone.localdate()

    daily_sweep.apply_async(queue=celery_worker_process)
    assert wait_for(lambda: Digest.objects.filter(person=org.emp_a, day=today).exists())
    notice = Notice.objects.get(person=org.emp_a, category="training", day=today)
    assert notice.item_count == 2 and notice.emailed_on == today
    assert set(Assignment.objects.filter(person=org.emp_a).values_list("reminded_days", flat=True)) == {7}

    # The same day again: the worker (one process, solo pool) runs the tasks in order.
    daily_sweep.apply_async(queue=celery_worker_process)
    daily_sweep.apply_async(queue=celery_worker_process)
    marker = Notice.objects.count()
    time.sleep(3)
    assert wait_for(lambda: Notice.objects.count() == marker)
    assert Digest.objects.filter(person=org.emp_a, day=today).count() == 1
    assert Notice.objects.filter(person=org.emp_a, category="training").count() == 1
