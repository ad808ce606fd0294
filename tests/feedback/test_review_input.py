"""The management-review input "feedback": counts per kind and outcome and time to response, for sites and period."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from implementation.feedback import services
from ims.indicators.review_inputs import inputs_all
from tests.feedback.factories import feedback_item

pytestmark = pytest.mark.django_db


def _collect():
    return next(i for i in inputs_all() if i.key == "feedback").collect


def test_feedback_input_for_sites_and_period(org):
    item = feedback_item(site=org.site_a, kind="near_miss")
    feedback_item(site=org.site_a, kind="suggestion", submitter=org.emp_a)
    feedback_item(site=org.site_b)
    services.feedback_triage(actor=org.qm_a, item=item, decision="accept", outcome="Fixed")
    today = timezone.localdate()
    section = _collect()(user=org.admin, site_ids=[org.site_a.pk], start=today - datetime.timedelta(days=30), end=today)
    assert section.figures["total"] == 2
    assert section.figures["kind_near_miss"] == 1 and section.figures["status_accepted"] == 1
    assert "response_days" in section.figures
    assert "<svg" in section.html and "Near miss" in section.html
    empty = _collect()(user=org.qm_b, site_ids=[org.site_a.pk], start=today, end=today)
    assert empty.figures["total"] == 0, "only what the user may see"
