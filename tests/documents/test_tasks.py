"""Beat tasks: effective dates switch versions; periodic-review reminders go once per due date."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from ims.documents import services, tasks
from ims.documents.choices import VersionStatus
from ims.documents.models import ControlledDocument

from .factories import document_at

pytestmark = pytest.mark.django_db


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def due(document, days: int) -> None:
    ControlledDocument.objects.filter(pk=document.pk).update(review_due=in_days(days))


@pytest.mark.req("P11-10f")
def test_the_beat_task_makes_due_versions_effective_once(org, people, sign, monkeypatch):
    document = document_at(org.site_a, author=people.author, effective_date=in_days(2))
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    sign(services.version_approve, people.qm, version)
    assert tasks.versions_make_effective_due() == 0  # not yet
    monkeypatch.setattr(services, "_today", lambda: in_days(2))  # two days later
    assert tasks.versions_make_effective_due() == 1
    assert tasks.versions_make_effective_due() == 0
    version.refresh_from_db()
    assert version.status == VersionStatus.EFFECTIVE


@pytest.mark.req("P11-10f")
def test_owners_get_one_reminder_per_due_date(org, people, settings):
    settings.IMS_DOCUMENT_REVIEW_REMINDER_DAYS = 30
    mine_soon = document_at(org.site_a, owner=people.author, number="SOP-SOON")
    mine_overdue = document_at(org.site_a, owner=people.author, number="SOP-LATE")
    mine_later = document_at(org.site_a, owner=people.author, number="SOP-LATER")
    theirs = document_at(org.site_a, owner=people.reviewer, number="SOP-THEIRS")
    due(mine_soon, 10)
    due(mine_overdue, -3)
    due(mine_later, 90)
    due(theirs, 5)

    assert tasks.review_reminders_send() == 2  # one digest per owner
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert set(by_recipient) == {people.author.email, people.reviewer.email}
    assert "SOP-SOON" in by_recipient[people.author.email] and "SOP-LATE" in by_recipient[people.author.email]
    assert "overdue since" in by_recipient[people.author.email]
    assert "SOP-LATER" not in by_recipient[people.author.email]

    assert tasks.review_reminders_send() == 0  # idempotent: a re-run sends nothing
    assert len(mail.outbox) == 2

    due(mine_soon, 20)  # a new due date (e.g. after a review) is reminded again
    assert tasks.review_reminders_send() == 1
    assert "SOP-SOON" in mail.outbox[-1].body and "SOP-LATE" not in mail.outbox[-1].body


def test_retired_documents_get_no_reminder(org, people):
    document = document_at(org.site_a, owner=people.author)
    due(document, -1)
    services.document_retire(actor=people.qm, document=document)
    assert tasks.review_reminders_send() == 0
