"""The daily digest is an outbox: a crash at any point sends it once, with one stable Message-ID."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from ims.notifications import services
from ims.notifications.models import Digest, DigestStatus, Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(org):
    today = timezone.localdate()
    for person in (org.emp_a, org.emp_b):
        Notice.objects.create(person=person, category="test", day=today, subject="Read the policy", body="Please.")
    return today


def test_a_crash_after_the_outbox_was_written_still_sends_each_digest_once(notices, org):
    assert services.digests_write(on=notices) == 2  # the sweep died here, before sending anything
    assert mail.outbox == []
    assert Notice.objects.filter(emailed_on__isnull=True).count() == 0
    assert services.daily_sweep(on=notices)["digests"] == 2  # the re-delivered sweep sends what was written
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.emp_a.email, org.emp_b.email])
    assert services.daily_sweep(on=notices)["digests"] == 0
    assert len(mail.outbox) == 2
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
    assert ids == {f"<digest-{p.pk}-{notices.isoformat()}@{domain}>" for p in (org.emp_a, org.emp_b)}


def test_a_mail_server_down_leaves_the_digest_in_the_outbox(notices, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert services.digests_send(on=notices) == 0
    assert set(Digest.objects.values_list("status", flat=True)) == {DigestStatus.TO_SEND}
    monkeypatch.undo()
    assert services.digests_send(on=notices) == 2
    assert len(mail.outbox) == 2 and set(Digest.objects.values_list("status", flat=True)) == {DigestStatus.SENT}


def test_a_sender_that_died_after_claiming_is_taken_over_and_a_live_claim_is_not(notices, org):
    services.digests_write(on=notices)
    dead = Digest.objects.get(person=org.emp_a)
    live = Digest.objects.get(person=org.emp_b)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.IMS_DIGEST_CLAIM_SECONDS + 60)
    Digest.objects.filter(pk=dead.pk).update(status=DigestStatus.SENDING, claimed_at=long_ago)
    Digest.objects.filter(pk=live.pk).update(status=DigestStatus.SENDING, claimed_at=timezone.now())
    assert services.digests_deliver() == 1
    assert [m.to[0] for m in mail.outbox] == [org.emp_a.email]
    assert Digest.objects.get(pk=live.pk).status == DigestStatus.SENDING  # another sender is on it


def test_a_redelivered_copy_of_a_running_nightly_job_does_nothing(notices, owner_cursor):
    """The broker redelivers a task after 5 minutes; while the first copy still runs (it holds the job's lock on
    another database session, as here), the copy skips. A worker that died released its session's lock."""
    from ims.locks import _key
    from ims.notifications.tasks import daily_sweep

    name = f"task:{daily_sweep.run.__module__}.{daily_sweep.run.__qualname__}"
    owner_cursor.execute("SELECT pg_advisory_lock(%s)", [_key(name)])
    try:
        assert daily_sweep() == {"skipped": "already running"}
        assert mail.outbox == [] and not Digest.objects.exists()
    finally:
        owner_cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
    assert daily_sweep()["digests"] == 2


def test_lost_tasks_are_redelivered_within_five_minutes_and_ordinary_ones_end_before():
    transport = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    # Redelivered after the visibility timeout plus at most one restore sweep (kombu scans every
    # interval × throttle seconds).
    sweep = transport["unacked_restore_interval"] * transport.get("unacked_restore_throttle", 10)
    assert transport["visibility_timeout"] + sweep <= 300
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_TIME_LIMIT < transport["visibility_timeout"]
