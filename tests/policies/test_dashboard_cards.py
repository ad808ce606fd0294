"""Dashboard cards: the person's open acknowledgements, coverage for quality managers, overdue periodic reviews."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.documents.models import ControlledDocument

from .ack_factories import effective_policy

pytestmark = pytest.mark.django_db


def test_employee_sees_own_open_tasks_on_the_dashboard(org, password_hash, client_for):
    version = effective_policy(password_hash, sites=[org.site_a], title="Integrated IMS policy")
    html = client_for(org.emp_a).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="my-tasks"' in html and version.document.number in html
    assert 'data-card="acknowledgement-coverage"' not in html  # employees do not follow colleagues
    html_b = client_for(org.emp_b).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="my-tasks"' not in html_b


def test_quality_manager_sees_coverage_and_overdue_reviews(org, password_hash, client_for):
    version = effective_policy(password_hash, sites=[org.site_a])
    ControlledDocument.objects.filter(pk=version.document_id).update(
        review_due=timezone.localdate() - datetime.timedelta(days=3)
    )
    response = client_for(org.qm_a).get(reverse("web:dashboard"))
    html = response.content.decode()
    assert 'data-card="acknowledgement-coverage"' in html
    assert 'data-overdue-reviews="1"' in html and version.document.number in html
    # site B's quality manager: nothing of site A
    html_b = client_for(org.qm_b).get(reverse("web:dashboard")).content.decode()
    assert 'data-overdue-reviews="0"' in html_b
    assert version.document.number not in html_b


def test_dashboard_queries_do_not_grow_with_documents(org, password_hash, client_for):
    client = client_for(org.qm_a)
    effective_policy(password_hash, sites=[org.site_a])
    client.get(reverse("web:dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:dashboard"))
    for _ in range(4):
        effective_policy(password_hash, sites=[org.site_a])
    ControlledDocument.objects.update(review_due=timezone.localdate() - datetime.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("web:dashboard"))
    assert len(many) <= len(few) + 1  # the overdue count query appears once five are overdue
