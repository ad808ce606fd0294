"""The read-and-acknowledge beat jobs in a real worker process (not eager mode), against the test database."""

from __future__ import annotations

import datetime
import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.req("ISO9001-7.3")]


def wait_for(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_daily_digest_once_a_day_and_nightly_reconcile_in_the_worker(celery_worker_process, org, password_hash):
    from django.utils import timezone

    from ims.notifications.models import Digest, Notice
    from ims.notifications.tasks import daily_sweep
    from ims.org.models import Membership
    from policies.models import Acknowledgement
    from policies.tasks import acknowledgements_reconcile
    from tests.policies.ack_factories import effective_policy

    version = effective_policy(password_hash, sites=[org.site_a])
    asked = set(Acknowledgement.objects.filter(version=version).values_list("person_id", flat=True))
    assert asked
    today = timezone.localdate()

    daily_sweep.apply_async(queue=celery_worker_process)
    assert wait_for(lambda: Digest.objects.filter(day=today).count() == len(asked))
    assert set(Digest.objects.filter(day=today).values_list("person_id", flat=True)) == asked
    assert Notice.objects.filter(day=today, category="acknowledgements").count() == len(asked)

    # The same day again, then the nightly reconcile; the worker (one process, solo pool) runs them in order,
    # so once the reconcile's effect shows, the second sweep has run too.
    daily_sweep.apply_async(queue=celery_worker_process)
    yesterday = today - datetime.timedelta(days=1)  # the membership ended in HR (a dated change)
    Membership.objects.filter(person=org.emp_a).update(valid_from=yesterday, valid_to=yesterday)
    acknowledgements_reconcile.apply_async(queue=celery_worker_process)
    task = Acknowledgement.objects.get(version=version, person=org.emp_a)
    assert wait_for(lambda: Acknowledgement.objects.get(pk=task.pk).status == "cancelled")
    assert Acknowledgement.objects.get(pk=task.pk).cancel_reason == "left_scope"
    assert Digest.objects.filter(day=today).count() == len(asked)  # no second e-mail the same day
