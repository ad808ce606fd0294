"""Feedback pages: report from a phone, my feedback, the list with filters and CSV, detail and triage, statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from implementation.feedback.choices import FeedbackStatus
from implementation.feedback.models import FeedbackItem
from tests.feedback.factories import feedback_item

pytestmark = pytest.mark.django_db

PHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


def test_submit_page_for_an_employee(org, client_for):
    client = client_for(org.emp_a)
    page = client.get(reverse("feedback:submit"), HTTP_USER_AGENT=PHONE_AGENT)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="viewport"' in body and 'name="anonymous"' in body and "data-feedback-form" in body
    bad = client.post(reverse("feedback:submit"), {"kind": "concern", "site": org.site_a.pk, "description": ""})
    assert bad.status_code == 400 and not FeedbackItem._base_manager.exists()


def test_my_feedback_shows_own_items_and_outcome(org, client_for):
    from implementation.feedback import services

    mine = feedback_item(site=org.site_a, submitter=org.emp_a)
    feedback_item(site=org.site_a)  # anonymous: nobody's
    services.feedback_triage(actor=org.qm_a, item=mine, decision="reject", outcome="Already planned for May.")
    page = client_for(org.emp_a).get(reverse("feedback:my_feedback"))
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.reference in body and "Already planned for May." in body
    assert body.count("data-item=") == 1


def test_list_filters_and_csv(org, client_for):
    near = feedback_item(site=org.site_a, kind="near_miss")
    idea = feedback_item(site=org.site_a, kind="suggestion", submitter=org.emp_a)
    client = client_for(org.qm_a)
    page = client.get(reverse("feedback:feedback_list"), {"kind": "near_miss"})
    assert page.status_code == 200
    assert near.reference in page.content.decode() and idea.reference not in page.content.decode()
    month = near.submitted_at.strftime("%Y-%m")
    assert near.reference in client.get(reverse("feedback:feedback_list"), {"month": month}).content.decode()
    assert client.get(reverse("feedback:feedback_list"), {"month": "nonsense"}).status_code == 200
    csv = client.get(reverse("feedback:feedback_list"), {"export": "csv"})
    text = b"".join(csv.streaming_content).decode()
    assert near.reference in text and idea.reference in text
    assert org.emp_a.username not in text, "the export never names reporters"


def test_reporter_name_is_for_those_who_triage(org, client_for):
    item = feedback_item(site=org.site_a, submitter=org.emp_a)
    assert org.emp_a.display_name in client_for(org.qm_a).get(item.get_absolute_url()).content.decode()
    colleague = client_for(org.inspector_a).get(item.get_absolute_url())
    assert colleague.status_code == 200 and org.emp_a.display_name not in colleague.content.decode()


def test_triage_on_the_detail_page(org, client_for):
    item = feedback_item(site=org.site_a, submitter=org.emp_a)
    client = client_for(org.qm_a)
    page = client.get(item.get_absolute_url())
    assert page.status_code == 200 and "data-triage-form" in page.content.decode()
    url = reverse("feedback:feedback_triage", args=[item.pk])
    refused = client.post(url, {"decision": "reject", "outcome": ""})
    assert refused.status_code == 400
    assert FeedbackItem._base_manager.get(pk=item.pk).status == FeedbackStatus.NEW
    done = client.post(url, {"decision": "accept", "outcome": "A guard rail is ordered.", "title": "Guard rail"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == FeedbackStatus.ACCEPTED and item.action_reference.startswith("ACT-")
    assert "A guard rail is ordered." in client.get(item.get_absolute_url()).content.decode()


def test_employee_sees_no_triage_form(org, client_for):
    item = feedback_item(site=org.site_a)
    client = client_for(org.emp_a)
    assert "data-triage-form" not in client.get(item.get_absolute_url()).content.decode()
    response = client.post(reverse("feedback:feedback_triage", args=[item.pk]), {"decision": "reject", "outcome": "x"})
    assert response.status_code == 403
    assert "do not manage" in response.content.decode()
    assert FeedbackItem._base_manager.get(pk=item.pk).status == FeedbackStatus.NEW


def test_statistics_and_kiosk_codes(org, client_for):
    from implementation.feedback import services

    item = feedback_item(site=org.site_a)
    services.feedback_triage(actor=org.qm_a, item=item, decision="reject", outcome="Not ours")
    feedback_item(site=org.site_b)
    client = client_for(org.qm_a)
    page = client.get(reverse("feedback:statistics"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "SITEA" in body and "SITEB" not in body
    posters = client.get(reverse("feedback:kiosk_posters"))
    assert posters.status_code == 200 and 'data-kiosk="SITEA"' in posters.content.decode()
    assert "<svg" in posters.content.decode() and 'data-kiosk="SITEB"' not in posters.content.decode()
    assert client_for(org.emp_a).get(reverse("feedback:kiosk_posters")).status_code == 403
