"""Anonymous feedback is really anonymous: no person, session, address or browser in the row or its audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse

from implementation.feedback.kiosk import kiosk_token
from implementation.feedback.models import FeedbackItem
from ims.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Tracer/1.0"
ADDRESS = "203.0.113.77"


def _kiosk_url(site) -> str:
    return reverse("feedback:kiosk", args=[site.code, kiosk_token(site)])


def _traces(item: FeedbackItem, *needles: str) -> list[str]:
    """Every stored value of the row and of its audit events, as text, that contains one of ``needles``."""
    row = FeedbackItem._base_manager.filter(pk=item.pk).values().get()
    texts = [str(v) for v in row.values()]
    for event in AuditEvent.objects.filter(model_label="feedback.feedbackitem", object_pk=str(item.pk)):
        texts += [str(event.new), str(event.old), event.actor_label, event.request_id, str(event.client_ip)]
    return [t for t in texts for n in needles if n and n in t]


def _assert_anonymous_audit(item: FeedbackItem) -> None:
    events = list(AuditEvent.objects.filter(model_label="feedback.feedbackitem", object_pk=str(item.pk)))
    assert events, "the submission is in the audit trail"
    for event in events:
        assert event.actor_id is None
        assert event.token_id is None
        assert event.actor_label == "anonymous feedback"
        assert event.request_id == ""
        assert event.client_ip is None


def test_signed_in_employee_submits_anonymously(org, client_for):
    client = client_for(org.emp_a)
    response = client.post(
        reverse("feedback:submit"),
        {"kind": "concern", "site": org.site_a.pk, "description": "Guard missing on press 4", "anonymous": "on"},
        HTTP_USER_AGENT=AGENT,
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    assert b"data-feedback-thanks" in response.content
    item = FeedbackItem._base_manager.get()
    assert item.submitter_id is None and item.is_anonymous
    session_key = client.session.session_key
    assert _traces(item, ADDRESS, AGENT, "Tracer", session_key, org.emp_a.username, str(org.emp_a.pk) + ",") == []
    _assert_anonymous_audit(item)


def test_kiosk_form_without_sign_in(org):
    client = Client()
    url = _kiosk_url(org.site_a)
    page = client.get(url)
    assert page.status_code == 200
    assert b"data-kiosk-form" in page.content
    response = client.post(
        url, {"kind": "unsafe_condition", "location": "Dock 2", "description": "Pallets stacked too high"},
        HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ADDRESS,
    )  # fmt: skip
    assert response.status_code == 200
    item = FeedbackItem._base_manager.get()
    assert item.site == org.site_a and item.submitter_id is None
    assert _traces(item, ADDRESS, AGENT) == []
    _assert_anonymous_audit(item)
    assert settings.SESSION_COOKIE_NAME not in client.cookies, "the kiosk opens no session"
    assert not Session.objects.exists()


def test_kiosk_wrong_token_is_404(org):
    response = Client().get(reverse("feedback:kiosk", args=[org.site_a.code, kiosk_token(org.site_b)]))
    assert response.status_code == 404


def test_named_submission_keeps_the_reporter(org, client_for):
    response = client_for(org.emp_a).post(
        reverse("feedback:submit"), {"kind": "suggestion", "site": org.site_a.pk, "description": "Label bins"}
    )
    assert response.status_code == 302
    item = FeedbackItem._base_manager.get()
    assert item.submitter == org.emp_a
    event = AuditEvent.objects.get(model_label="feedback.feedbackitem", object_pk=str(item.pk))
    assert event.actor_id == org.emp_a.pk


@override_settings(FEEDBACK_ANONYMOUS_LIMIT=2, FEEDBACK_ANONYMOUS_WINDOW_MINUTES=10)
def test_kiosk_flood_is_refused_with_a_clear_message(org):
    client = Client()
    url = _kiosk_url(org.site_a)
    data = {"kind": "concern", "description": "Noise"}
    assert client.post(url, data).status_code == 200
    assert client.post(url, data).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 429
    assert "Too many anonymous reports" in response.content.decode()
    assert FeedbackItem._base_manager.count() == 2
    # Another site's kiosk is not affected, and named reports are not limited.
    assert client.post(_kiosk_url(org.site_b), data).status_code == 200
    assert FeedbackItem._base_manager.count() == 3
