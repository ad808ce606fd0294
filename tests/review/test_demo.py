"""The demo's management review: Basel, last quarter, held, with decisions and actions, minutes signed."""

from __future__ import annotations

import datetime

import pytest

from implementation.review.choices import ReviewStatus
from implementation.review.demo import last_quarter, review_demo_seed
from implementation.review.models import ManagementReview
from ims.esign.selectors import signatures_for
from ims.org.demo import demo_seed as org_demo_seed

pytestmark = pytest.mark.django_db


def test_last_quarter():
    assert last_quarter(datetime.date(2026, 12, 6)) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert last_quarter(datetime.date(2026, 2, 1)) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))


def test_the_demo_review_is_held_signed_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    assert "held and signed" in review_demo_seed()
    assert review_demo_seed() == "management review unchanged"
    review = ManagementReview.objects.get()
    assert review.site.code == "BSL" and review.status == ReviewStatus.SIGNED
    assert review.snapshots.count() >= 7 and review.decisions.count() == 2 and review.actions.count() == 2
    assert all(a.action_reference for a in review.actions.all())
    assert signatures_for(review).get().signer == review.chair
