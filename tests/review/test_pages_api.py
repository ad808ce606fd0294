"""Management review pages, the minutes PDF, the pack job and the API."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from implementation.review import services
from implementation.review.choices import ReviewStatus
from implementation.review.models import ReviewPack
from implementation.review.tasks import pack_build_now
from ims.indicators.review_inputs import inputs_all
from ims.jobs.models import JobStatus
from tests.conftest import PASSWORD
from tests.review.factories import certify, review_for

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def held(org):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a, attendees=[org.emp_a])
    services.review_hold(actor=org.qm_a, review=review)
    decision = services.decision_record(actor=org.qm_a, review=review, text="Extend the training programme")
    services.action_record(
        actor=org.qm_a, review=review, decision=decision, title="Plan refresher sessions", owner=org.emp_a,
        due_date=datetime.date(2026, 12, 15),
    )  # fmt: skip
    return review


def test_pages_answer_200_and_show_inputs_decisions_and_actions(org, client_for, held):
    client = client_for(org.qm_a)
    assert client.get(reverse("review:review_list")).status_code == 200
    assert client.get(reverse("review:review_add")).status_code == 200
    assert client.get(reverse("review:review_edit", args=[held.pk])).status_code == 200
    page = client.get(reverse("review:review_detail", args=[held.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for review_input in inputs_all():
        assert f'data-input="{review_input.key}"' in body
    assert "Extend the training programme" in body and "Plan refresher sessions" in body
    assert client.get(reverse("review:review_sign", args=[held.pk])).status_code == 200
    minutes = client.get(reverse("review:minutes_pdf", args=[held.pk]))
    assert minutes.status_code == 200 and minutes["Content-Type"] == "application/pdf"
    assert held.reference in pdf_text(minutes.content)
    assert client_for(org.qm_b).get(reverse("review:review_detail", args=[held.pk])).status_code == 404


def test_the_chair_signs_on_the_page_and_the_manifestation_is_shown(org, client_for, held):
    certify(org.qm_a)
    client = client_for(org.qm_a)
    response = client.post(
        reverse("review:review_sign", args=[held.pk]), {"username": "qm_a", "password": PASSWORD, "reason": "Agreed"}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == ReviewStatus.SIGNED
    assert "Approved" in client.get(reverse("review:review_detail", args=[held.pk])).content.decode()
    text = pdf_text(client.get(reverse("review:minutes_pdf", args=[held.pk])).content)
    assert "Qm" in text and "Approved" in text
    refused = client.post(reverse("review:decision_add", args=[held.pk]), {"text": "Too late"})
    assert refused.status_code == 302
    assert held.decisions.count() == 1


def test_pack_job_builds_a_pdf_naming_the_review_and_its_inputs(
    org, client_for, held, django_capture_on_commit_callbacks
):
    client = client_for(org.qm_a)
    response = client.post(reverse("review:pack_request", args=[held.pk]))
    pack = ReviewPack.objects.get(review=held)
    assert response.status_code == 302 and response["Location"] == pack.get_absolute_url()
    progress = client.get(reverse("review:pack_progress", args=[held.pk, pack.pk]))
    assert progress.status_code == 200 and b"hx-trigger" in progress.content
    assert pack_build_now(pack.job_id)["pages"] >= 1
    pack.refresh_from_db()
    pack.job.refresh_from_db()
    assert pack.job.status == JobStatus.DONE and pack.job.percent == 100 and pack.built_at
    download = client.get(reverse("review:pack_download", args=[held.pk, pack.pk]))
    assert download.status_code == 200
    text = " ".join(pdf_text(b"".join(download.streaming_content) if download.streaming else download.content).split())
    assert held.reference in text and "Management review pack" in text
    for review_input in inputs_all():
        assert review_input.label in text
    assert "Plan refresher sessions" in text
    assert client.get(reverse("review:pack_detail", args=[held.pk, pack.pk])).status_code == 200
    assert client_for(org.qm_b).get(reverse("review:pack_download", args=[held.pk, pack.pk])).status_code == 404


def test_api_inputs_decisions_actions_hold_sign_and_pack(org, client_for):
    certify(org.qm_a)
    client = client_for(org.qm_a)
    created = client.post(
        reverse("review-list"),
        {"title": "Q3 review", "site": org.site_a.pk, "period_start": "2026-07-01", "period_end": "2026-09-30",
         "meeting_date": "2026-10-10", "chair": org.qm_a.pk, "attendees": [org.emp_a.pk]},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    inputs = client.get(reverse("review-inputs", args=[pk])).json()
    assert [i["key"] for i in inputs] == [i.key for i in inputs_all()] and not inputs[0]["fixed"]
    early = client.post(reverse("review-decisions", args=[pk]), {"text": "x"}, content_type="application/json")
    assert early.status_code == 409
    assert client.post(reverse("review-hold", args=[pk])).json()["status"] == "held"
    assert client.get(reverse("review-inputs", args=[pk])).json()[0]["fixed"]
    decision = client.post(reverse("review-decisions", args=[pk]), {"text": "Go"}, content_type="application/json")
    assert decision.status_code == 201
    action = client.post(
        reverse("review-review-actions", args=[pk]),
        {"title": "Do it", "owner": org.emp_a.pk, "due_date": "2026-12-01", "decision": decision.json()["id"]},
        content_type="application/json",
    )
    assert action.status_code == 201, action.content
    assert action.json()["action_reference"]
    assert client.get(reverse("review-review-actions", args=[pk])).json()[0]["tracked_status"] == "open"
    other = client_for(org.admin)
    certify(org.admin)
    refused = other.post(reverse("review-sign", args=[pk]), {"username": "global_admin", "password": PASSWORD},
                         content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    signed = client.post(reverse("review-sign", args=[pk]), {"username": "qm_a", "password": PASSWORD},
                         content_type="application/json")  # fmt: skip
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    patch = client.patch(reverse("review-detail", args=[pk]), {"title": "New", "change_reason": "typo"},
                         content_type="application/json", HTTP_IF_MATCH="*")  # fmt: skip
    assert patch.status_code in (400, 409)
    started = client.post(reverse("review-pack", args=[pk]))
    assert started.status_code == 202
    pack = started.json()
    pack_build_now(ReviewPack.objects.get(pk=pack["id"]).job_id)
    status = client.get(reverse("review-pack-status", args=[pk, pack["id"]])).json()
    assert status["status"] == "done" and status["download"]
    assert client.get(status["download"]).status_code == 200
    assert client_for(org.qm_b).get(reverse("review-detail", args=[pk])).status_code == 404
    assert client_for(org.qm_b).get(reverse("review-inputs", args=[pk])).status_code == 404


def test_schema_lists_the_review_endpoints(org, client_for):
    schema = client_for(org.admin).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/reviews/reviews/{id}/sign/" in paths and "/api/v1/reviews/reviews/{id}/packs/{pack_pk}/" in paths
