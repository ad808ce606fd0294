"""The demo feedback: 15 reports across the sites, anonymous ones, triaged ones; seeding twice adds nothing."""

from __future__ import annotations

import pytest

from implementation.feedback import demo
from implementation.feedback.choices import FeedbackStatus
from implementation.feedback.models import FeedbackItem
from ims.org.demo import demo_seed as org_demo_seed

pytestmark = pytest.mark.django_db


def test_demo_feedback_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    assert demo.seed() == "feedback: 15 reports, 10 triaged"
    assert demo.seed() == "feedback: kept"
    items = FeedbackItem._base_manager.all()
    assert items.count() == 15
    assert items.filter(submitter__isnull=True).count() >= 5
    assert set(items.values_list("site__code", flat=True)) == {"BSL", "CRK", "RDU", "SIN"}
    assert items.filter(status=FeedbackStatus.CAPA_OPENED).count() == 1
    assert items.filter(status=FeedbackStatus.ACCEPTED).count() == 7
    assert items.filter(status=FeedbackStatus.REJECTED).count() == 2
    assert all(i.triaged_at > i.submitted_at for i in items.exclude(triaged_at=None))
