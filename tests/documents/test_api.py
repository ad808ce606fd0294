"""The document API: lifecycle steps, signatures in the response, 409 for invalid steps."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ims.documents import services
from ims.documents.choices import VersionStatus
from ims.testing.kit import if_match, snapshot

from .factories import document_at

pytestmark = pytest.mark.django_db


def url(name: str, version) -> str:
    return reverse(f"documentversion-{name}", args=[version.pk])


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


@pytest.mark.req("P11-10f", "P11-50", "P11-10g")
def test_the_lifecycle_through_the_api(org, people, client_for):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    document = document_at(org.site_a, author=people.author, effective_date=None)
    version = document.versions.get(number=1)
    author, reviewer, qm = client_for(people.author), client_for(people.reviewer), client_for(people.qm)

    patch = author.patch(
        url("detail", version),
        {"effective_date": tomorrow, "change_reason": "Planned"},
        content_type="application/json",
        **if_match(author, url("detail", version)),
    )
    assert patch.status_code == 200, patch.content
    assert post(author, url("submit", version)).json()["status"] == VersionStatus.IN_REVIEW
    assert post(qm, url("approve", version), {"username": "qm_a", "password": org.password}).status_code == 409
    reviewed = post(reviewer, url("review", version), {"username": "dh_reviewer", "password": org.password})
    assert reviewed.status_code == 200, reviewed.content
    assert post(author, url("approve", version), {"username": "po_author", "password": org.password}).status_code == 403

    approved = post(qm, url("approve", version), {"username": "qm_a", "password": org.password, "reason": "OK"})
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == VersionStatus.APPROVED
    manifestations = [(s["signer_name"], s["meaning"]) for s in body["signatures"]]
    assert manifestations == [(people.reviewer.display_name, "reviewed"), (people.qm.display_name, "approved")]
    assert all(s["manifestation"] and s["signed_at"] for s in body["signatures"])
    detail = client_for(people.employee).get(url("detail", version)).json()
    assert [s["meaning"] for s in detail["signatures"]] == ["reviewed", "approved"]

    again = post(
        client_for(people.officer), url("approve", version), {"username": "co_officer", "password": org.password}
    )
    assert again.status_code == 409


@pytest.mark.req("P11-10f", "P11-10c")
def test_an_approved_version_cannot_be_changed_through_the_api(org, people, sign, client_for):
    document = document_at(org.site_a, author=people.author)
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    sign(services.version_approve, people.qm, version)
    version.refresh_from_db()
    before = snapshot(version)
    qm = client_for(people.qm)
    response = qm.patch(
        url("detail", version), {"body": "Tampered", "change_reason": "try"}, content_type="application/json",
        **if_match(qm, url("detail", version)),
    )  # fmt: skip
    assert response.status_code == 409
    assert snapshot(version) == before


@pytest.mark.req("P11-10f")
def test_a_new_version_through_the_api_needs_a_change_summary(org, people, sign, client_for):
    document = document_at(org.site_a, author=people.author, effective_date=timezone.localdate())
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    sign(services.version_approve, people.qm, version)
    client = client_for(people.author)
    missing = post(client, reverse("documentversion-list"), {"document": document.pk, "body": "# New"})
    assert missing.status_code == 400
    assert document.versions.count() == 1
    created = post(
        client,
        reverse("documentversion-list"),
        {"document": document.pk, "body": "# New", "change_summary": "New section"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["number"] == 2 and created.json()["status"] == VersionStatus.DRAFT


@pytest.mark.req("P11-10f", "P11-10g")
def test_review_and_approval_cannot_be_signed_through_the_generic_signing_api(org, client_for):
    """A version's review and approval are its workflow steps: the generic e-signature endpoint refuses them."""
    from ims.esign.models import Signature
    from ims.esign.services import certification_create

    from .factories import draft_at

    version = draft_at(org.site_a)
    certification_create(person=org.qm_a, password=org.password, username=org.qm_a.username)
    before = Signature.objects.count()
    for meaning in ("reviewed", "approved"):
        response = client_for(org.qm_a).post(
            "/api/v1/esign/signatures/",
            {
                "content_type": "documents.documentversion",
                "object_pk": str(version.pk),
                "meaning": meaning,
                "password": org.password,
                "username": org.qm_a.username,
            },
            content_type="application/json",
        )
        assert response.status_code == 403, response.content
        assert "review and approval steps" in response.content.decode()
    assert Signature.objects.count() == before


def test_an_error_of_the_pdf_download_is_json_even_when_a_pdf_was_asked_for(org, client_for):
    client = client_for(org.admin)
    for url, fmt in (
        ("/api/v1/documents/versions/987654/pdf/", "pdf"),
        ("/api/v1/processes/process-map-versions/987654/svg/", "svg"),
        ("/api/v1/processes/process-map-versions/987654/bpmn/", "bpmn"),
    ):
        response = client.get(url, {"format": fmt})
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"], url
