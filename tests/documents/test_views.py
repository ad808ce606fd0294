"""The document pages: signing steps, sanitised content, files served safely, comparison, overdue reviews."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ims.documents import services
from ims.documents.choices import VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.testing.kit import snapshot

from .factories import document_at
from .test_content import PDF

pytestmark = pytest.mark.django_db

SCRIPT_BODY = "# Purpose\n\nSafe text.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>"


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def in_review(org, people, sign):
    document = document_at(org.site_a, author=people.author, body=SCRIPT_BODY, effective_date=in_days(0))
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    return version


def credentials(org, person, **extra) -> dict:
    return {"username": person.username, "password": org.password, **extra}


@pytest.mark.req("P11-10f", "P11-50", "P11-10c")
def test_approving_on_the_page_signs_and_shows_the_manifestation(org, people, client_for, in_review):
    client = client_for(people.qm)
    url = reverse("documents:version_approve", args=[in_review.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, credentials(org, people.qm, reason="Released"))
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == VersionStatus.EFFECTIVE  # effective date today
    page = client.get(reverse("documents:version_detail", args=[in_review.pk])).content.decode()
    manifestations = page.split("data-signatures", 1)[1]
    assert people.qm.display_name in manifestations and "Approved" in manifestations
    assert people.reviewer.display_name in manifestations and "Reviewed" in manifestations
    assert "Released" in manifestations


@pytest.mark.req("P11-10f", "P11-10g")
def test_the_author_and_an_employee_cannot_approve_on_the_page(org, people, client_for, in_review):
    before = snapshot(in_review)
    url = reverse("documents:version_approve", args=[in_review.pk])
    employee = client_for(people.employee)
    assert employee.get(url).status_code == 403
    assert employee.post(url, credentials(org, people.employee)).status_code == 403
    author = client_for(people.author)
    assert author.post(url, credentials(org, people.author)).status_code == 403
    assert snapshot(in_review) == before


@pytest.mark.req("P11-10f")
def test_a_wrong_password_signs_nothing(org, people, client_for, in_review):
    before = snapshot(in_review)
    response = client_for(people.qm).post(
        reverse("documents:version_approve", args=[in_review.pk]),
        {"username": people.qm.username, "password": "wrong"},
    )
    assert response.status_code == 401
    assert snapshot(in_review) == before


@pytest.mark.req("P11-10f")
def test_approving_a_draft_on_the_page_answers_conflict_and_changes_nothing(org, people, client_for):
    version = document_at(org.site_a, author=people.author).versions.get(number=1)
    before = snapshot(version)
    response = client_for(people.qm).post(
        reverse("documents:version_approve", args=[version.pk]), credentials(org, people.qm)
    )
    assert response.status_code == 409
    assert snapshot(version) == before


def test_content_is_shown_without_scripts(org, people, client_for, in_review):
    client = client_for(people.employee)
    html = client.get(reverse("documents:version_detail", args=[in_review.pk])).content.decode()
    content = html.split("data-document-content", 1)[1].split("</div>", 1)[0]
    assert "Safe text." in content
    assert "<script" not in content and "onerror" not in content


@pytest.mark.req("ASVS5-5.1.1", "ASVS5-5.3.1", "ASVS5-5.3.2", "ASVS5-5.4.1", "ALCOA-Original")
def test_an_uploaded_pdf_is_stored_under_a_random_name_and_served_as_an_attachment(org, people, client_for):
    client = client_for(people.author)
    upload = SimpleUploadedFile("../../etc/SOP 7 <b>.pdf", PDF, content_type="text/html")
    response = client.post(
        reverse("documents:document_add"),
        {
            "number": "SOP-FILE-1",
            "title": "With a file",
            "doc_type": "procedure",
            "disciplines": ["quality"],
            "owner": people.author.pk,
            "sites": [org.site_a.pk],
            "review_interval_months": 12,
            "attachment": upload,
            "effective_date": in_days(5).isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    version = DocumentVersion.objects.get(document__number="SOP-FILE-1")
    assert "SOP" not in version.attachment.name and ".." not in version.attachment.name
    assert version.attachment_type == "application/pdf"
    assert version.attachment_sha256 == hashlib.sha256(PDF).hexdigest()
    download = client_for(people.employee).get(reverse("documents:version_file", args=[version.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == version.attachment_sha256


@pytest.mark.req("ASVS5-5.1.1", "ASVS5-5.2.3")
def test_a_disguised_file_is_refused_on_the_page_and_nothing_is_created(org, people, client_for):
    upload = SimpleUploadedFile("sop.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client_for(people.author).post(
        reverse("documents:document_add"),
        {
            "number": "SOP-FAKE-1",
            "title": "Fake",
            "doc_type": "procedure",
            "disciplines": ["quality"],
            "owner": people.author.pk,
            "sites": [org.site_a.pk],
            "review_interval_months": 12,
            "attachment": upload,
        },
    )
    assert response.status_code == 400
    assert "attachment" in response.context["form"].errors
    assert not ControlledDocument.objects.filter(number="SOP-FAKE-1").exists()


def test_another_sites_file_is_not_found(org, people, client_for):
    version = document_at(org.site_b).versions.get(number=1)
    assert client_for(people.qm).get(reverse("documents:version_file", args=[version.pk])).status_code == 404


@pytest.mark.parametrize("mode", ["side", "unified"])
def test_two_versions_are_compared_with_the_changes_escaped(org, people, sign, client_for, in_review, mode):
    sign(services.version_approve, people.qm, in_review)
    second = services.version_create(
        actor=people.author,
        document=in_review.document,
        change_summary="Added a step",
        body=in_review.body + "\n\nNew step <b>bold</b>.",
    )
    response = client_for(people.employee).get(
        reverse("documents:version_diff", args=[second.pk]), {"against": in_review.pk, "mode": mode}
    )
    assert response.status_code == 200
    diff = response.content.decode().split("data-diff", 1)[1]
    assert "diff-add" in diff and "New step &lt;b&gt;bold&lt;/b&gt;." in diff
    assert "<script>alert" not in diff and "&lt;script&gt;" in diff


@pytest.mark.req("P11-10f")
def test_overdue_periodic_reviews_are_listed(org, people, client_for):
    overdue = document_at(org.site_a, number="SOP-LATE-1")
    on_time = document_at(org.site_a, number="SOP-OK-1")
    never = document_at(org.site_a, number="SOP-NEW-1")
    ControlledDocument.objects.filter(pk=overdue.pk).update(review_due=in_days(-1))
    ControlledDocument.objects.filter(pk=on_time.pk).update(review_due=in_days(1))
    client = client_for(people.employee)
    listed = client.get(reverse("documents:document_list"), {"review_overdue": "true"})
    assert {row.record.pk for row in listed.context["table"].paginated_rows} == {overdue.pk}
    page = client.get(reverse("documents:review_overdue"))
    assert {row.record.pk for row in page.context["table"].paginated_rows} == {overdue.pk}
    everything = client.get(reverse("documents:document_list"))
    assert {r.record.pk for r in everything.context["table"].paginated_rows} >= {overdue.pk, on_time.pk, never.pk}


def test_the_documents_step_is_in_the_navigation(org, client_for):
    html = client_for(org.emp_a).get(reverse("web:dashboard")).content.decode()
    assert reverse("documents:document_list") in html


def test_every_document_page_renders_for_the_quality_manager(org, people, sign, client_for, in_review):
    sign(services.version_approve, people.qm, in_review)
    draft = services.version_create(actor=people.author, document=in_review.document, change_summary="Next")
    client = client_for(people.qm)
    document = in_review.document
    pages = [
        reverse("documents:document_list"),
        reverse("documents:document_add"),
        reverse("documents:review_overdue"),
        reverse("documents:document_detail", args=[document.pk]),
        reverse("documents:document_edit", args=[document.pk]),
        reverse("documents:version_list"),
        reverse("documents:version_detail", args=[draft.pk]),
        reverse("documents:version_edit", args=[draft.pk]),
        reverse("documents:version_diff", args=[draft.pk]),
        reverse("documents:version_detail", args=[in_review.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # A new version cannot be started while one is open; the page says so instead of failing.
    response = client.post(reverse("documents:version_add", args=[document.pk]), {"change_summary": "x", "body": "y"})
    assert response.status_code == 400
    assert document.versions.count() == 2


def test_the_author_walks_a_draft_through_the_pages(org, people, client_for):
    document = document_at(org.site_a, author=people.author, effective_date=None)
    version = document.versions.get(number=1)
    client = client_for(people.author)
    edit = client.post(
        reverse("documents:version_edit", args=[version.pk]),
        {
            "change_summary": "",
            "body": "# Written on the page",
            "effective_date": "2031-01-01",
            "change_reason": "First draft",
        },
    )
    assert edit.status_code == 302, edit.context["form"].errors
    assert client.post(reverse("documents:version_submit", args=[version.pk])).status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW and version.body == "# Written on the page"
    # Nothing changes once submitted: the edit page refuses.
    assert (
        client.post(
            reverse("documents:version_edit", args=[version.pk]),
            {"body": "Late change", "effective_date": "2031-01-01", "change_reason": "x"},
        ).status_code
        == 400
    )
    version.refresh_from_db()
    assert version.body == "# Written on the page"
