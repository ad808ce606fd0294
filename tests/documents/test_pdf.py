"""PDF controlled copies of document versions: content, signature block, footer on every page, no fetches."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ims.documents import pdf, services
from ims.esign.selectors import signatures_for

from .factories import document_at

pytestmark = pytest.mark.django_db

LONG_BODY = "# Purpose\n\nThe PDF marker paragraph: calibrate every balance before use.\n\n" + "\n\n".join(
    f"## Section {i}\n\n" + ("Each line of this section repeats to fill the pages of the copy. " * 12)
    for i in range(1, 16)
)
HOSTILE_BODY = (
    "# Hostile\n\nVisible text survives.\n\n"
    '<img src="file:///etc/passwd">\n\n'
    '<img src="http://127.0.0.1:6379/probe.png">\n\n'
    '<link rel="stylesheet" href="http://127.0.0.1:6379/">\n\n'
    '<style>@import url("file:///etc/passwd"); @import "http://169.254.169.254/latest/meta-data/";</style>\n\n'
    '<p style="background: url(file:///etc/passwd)">styled</p>\n\n'
    "![local](file:///etc/passwd) ![remote](http://127.0.0.1:6379/x.png)\n"
)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def pdf_pages(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.fixture
def effective(org, people, sign):
    document = document_at(
        org.site_a, author=people.author, body=LONG_BODY, effective_date=in_days(0), title="Balance calibration"
    )
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version, reason="Checked")
    sign(services.version_approve, people.qm, version, reason="Released")
    version.refresh_from_db()
    return version


@pytest.mark.req("P11-50", "P11-10b")
def test_the_pdf_has_the_header_content_signatures_and_a_footer_on_every_page(org, people, client_for, effective):
    response = client_for(people.employee).get(reverse("documents:version_pdf", args=[effective.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    pages = pdf_pages(response.content)
    assert len(pages) >= 3, "the test document must span several pages"
    text = " ".join(pages)
    number = effective.document.number
    assert number in text and "Balance calibration" in text
    assert "Effective" in text and effective.effective_date.isoformat() in text
    assert "calibrate every balance before use" in text
    for page_no, page in enumerate(pages, start=1):
        assert f"{number} v{effective.number}" in page
        assert "Controlled copy — uncontrolled when printed" in page
        assert f"Page {page_no} of {len(pages)}" in page


@pytest.mark.req("P11-50")
def test_each_signature_shows_name_date_time_and_meaning_in_page_api_and_pdf(org, people, client_for, effective):
    """3/3 renderings of the manifestation: the version page, the API and the PDF."""
    client = client_for(people.employee)
    signatures = list(signatures_for(effective))
    assert [s.meaning for s in signatures] == ["reviewed", "approved"]
    page = client.get(reverse("documents:version_detail", args=[effective.pk])).content.decode()
    api = client.get(reverse("documentversion-detail", args=[effective.pk])).json()
    text = " ".join(pdf_pages(client.get(reverse("documents:version_pdf", args=[effective.pk])).content))
    stamps = {s["signer_name"]: s for s in api["signatures"]}
    for signature, label in zip(signatures, ("Reviewed", "Approved"), strict=True):
        utc = signature.signed_at.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        local = signature.signed_at.astimezone(zoneinfo.ZoneInfo("Europe/Zurich")).isoformat(timespec="seconds")
        assert signature.signer_name in page and utc in page and label in page
        stamp = stamps[signature.signer_name]
        assert stamp["meaning"] == signature.meaning and stamp["signed_at"] and stamp["manifestation"]
        assert signature.signer_name in text and utc in text and label in text
        assert local in text  # the viewer's local time with its offset, next to UTC
    assert "Europe/Zurich" in text  # the viewer's site zone


@pytest.mark.req("P11-10b")
def test_the_api_serves_the_same_pdf(org, people, client_for, effective):
    client = client_for(people.employee)
    response = client.get(reverse("documentversion-pdf", args=[effective.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(pdf_pages(response.content))
    assert effective.document.number in text and people.qm.display_name in text
    asked = client.get(reverse("documentversion-pdf", args=[effective.pk]), HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 200 and asked.content.startswith(b"%PDF-")


def test_the_version_page_links_to_the_pdf(org, people, client_for, effective):
    page = client_for(people.employee).get(reverse("documents:version_detail", args=[effective.pk])).content.decode()
    assert reverse("documents:version_pdf", args=[effective.pk]) in page


@pytest.mark.req("ASVS5-8.2.2")
def test_a_user_who_may_not_view_the_version_gets_404(org, people, client_for, effective):
    outsider = client_for(org.emp_b)
    assert outsider.get(reverse("documents:version_pdf", args=[effective.pk])).status_code == 404
    assert outsider.get(reverse("documentversion-pdf", args=[effective.pk])).status_code == 404
    draft = document_at(org.site_b, body="# Elsewhere").versions.get(number=1)
    assert client_for(people.employee).get(reverse("documents:version_pdf", args=[draft.pk])).status_code == 404


def test_a_draft_without_signatures_renders_too(org, people, client_for):
    draft = document_at(org.site_a, author=people.author, body="# Draft\n\nWork in progress.").versions.get(number=1)
    response = client_for(people.author).get(reverse("documents:version_pdf", args=[draft.pk]))
    text = " ".join(pdf_pages(response.content))
    assert "Work in progress." in text and "Not signed yet." in text and "Draft" in text


@pytest.mark.req("ASVS5-1.3.6")
def test_injected_file_and_network_references_are_never_fetched(org, people, monkeypatch):
    """SSRF / local file inclusion: nothing in the content makes the renderer read a file or open a socket."""
    version = document_at(org.site_a, author=people.author, body=HOSTILE_BODY).versions.get(number=1)
    fetched: list[str] = []

    def no_socket(*args, **kwargs):
        raise AssertionError(f"the PDF renderer opened a socket: {args!r}")

    monkeypatch.setattr("socket.create_connection", no_socket)
    monkeypatch.setattr("socket.socket.connect", no_socket)
    fetcher = pdf.LockedURLFetcher()
    original = pdf.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.URLFetcher, "fetch", spy)
    content = pdf.render_version_pdf(version, viewer=people.author, url_fetcher=fetcher)
    text = " ".join(pdf_pages(content))
    assert "Visible text survives." in text
    assert fetched == [], "only data: URIs ever reach the real fetcher"
    assert fetcher.refused, "the remote image the sanitiser keeps is asked for, and refused"
    for url in fetcher.refused:  # what the sanitiser let through was asked for and refused
        assert url.startswith(("http://127.0.0.1", "http://169.254"))
    with open("/etc/passwd", encoding="utf-8", errors="ignore") as passwd:
        first_line = passwd.readline().strip()
    assert "root:" not in text and (not first_line or first_line not in text)


@pytest.mark.req("ASVS5-1.3.6")
def test_the_fetcher_refuses_every_scheme_but_data():
    fetcher = pdf.LockedURLFetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:6379/", "https://example.com/x.css", "ftp://h/x", "/etc/hosts"):
        with pytest.raises(pdf.ResourceRefused):
            fetcher(url)
    assert len(fetcher.refused) == 5
    response = fetcher("data:text/plain;base64,SGk=")
    assert response.url.startswith("data:")
