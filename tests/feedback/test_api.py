"""The feedback API: report named or anonymous, scoped list and detail, triage with a reason, statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from implementation.feedback.choices import FeedbackStatus
from implementation.feedback.models import FeedbackItem
from ims.audit.models import AuditEvent
from tests.feedback.factories import feedback_item

pytestmark = pytest.mark.django_db


def test_report_named_and_anonymous(org, client_for):
    client = client_for(org.emp_a)
    url = reverse("feedback-list")
    named = client.post(
        url, {"kind": "suggestion", "site": "SITEA", "description": "Better lighting"}, "application/json"
    )
    assert named.status_code == 201, named.content
    assert named.json()["is_anonymous"] is False
    anonymous = client.post(
        url, {"kind": "concern", "site": org.site_a.pk, "description": "Blocked exit", "anonymous": True},
        "application/json", REMOTE_ADDR="198.51.100.9",
    )  # fmt: skip
    assert anonymous.status_code == 201
    item = FeedbackItem._base_manager.get(pk=anonymous.json()["id"])
    assert item.submitter_id is None
    event = AuditEvent.objects.get(model_label="feedback.feedbackitem", object_pk=str(item.pk))
    assert event.actor_id is None and event.client_ip is None and event.request_id == ""


def test_triage_needs_a_reason_and_scope(org, client_for):
    item = feedback_item(site=org.site_a, submitter=org.emp_a)
    url = reverse("feedback-triage", args=[item.pk])
    body = {"decision": "capa", "outcome": "Investigate"}
    assert client_for(org.qm_b).post(url, body, "application/json").status_code == 404
    client = client_for(org.qm_a)
    missing = client.post(url, body, "application/json")
    assert missing.status_code == 400 and "change_reason" in missing.json()
    done = client.post(url, {**body, "change_reason": "Triage meeting"}, "application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == FeedbackStatus.CAPA_OPENED
    assert done.json()["submitter"]["id"] == org.emp_a.pk
    event = AuditEvent.objects.filter(model_label="feedback.feedbackitem", object_pk=str(item.pk), action="U").last()
    assert event.reason == "Triage meeting"
    again = client.post(url, {**body, "change_reason": "Again"}, "application/json")
    assert again.status_code == 400


def test_statistics_and_schema(org, client_for):
    from implementation.feedback import services

    item = feedback_item(site=org.site_a)
    services.feedback_triage(actor=org.qm_a, item=item, decision="reject", outcome="Duplicate")
    feedback_item(site=org.site_b)
    client = client_for(org.qm_a)
    stats = client.get(reverse("feedback-statistics"))
    assert stats.status_code == 200
    assert stats.json()["total"] == 1 and stats.json()["by_status"] == {"rejected": 1}
    assert stats.json()["response_days"] is not None
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/feedback/items/{id}/triage/" in text and "/api/v1/feedback/items/statistics/" in text


def test_employee_colleagues_do_not_see_names(org, client_for):
    item = feedback_item(site=org.site_a, submitter=org.qm_a)
    answer = client_for(org.emp_a).get(reverse("feedback-detail", args=[item.pk]))
    assert answer.status_code == 200 and answer.json()["submitter"] is None
