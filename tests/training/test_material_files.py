"""Training materials follow the portal's upload rules, and every uploaded file is served by a scope-checked
download that cannot run in the portal's origin."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from training.models import CourseMaterial

from .factories import course_at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(kind_member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(kind_member, "<x/>")
    return buffer.getvalue()


def add(client, course, name: str, content: bytes, content_type: str = "application/octet-stream"):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        reverse("training:material_add"), {"course": course.pk, "title": f"Material {name}", "file": upload}
    )


@pytest.fixture
def course(org):
    return course_at(org.site_a, code="GMP-1")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/x-msdownload"),
        ("renamed.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("renamed.png", b"GIF89a" + b"\x00" * 20, "image/png"),
        ("fake.docx", office("not/word.xml"), "application/octet-stream"),
    ],
)
def test_files_outside_the_allow_list_are_refused_and_nothing_is_stored(
    org, client_for, course, name, content, content_type
):
    response = add(client_for(org.qm_a), course, name, content, content_type)
    assert response.status_code == 400 or (response.status_code == 200 and response.context["form"].errors)
    html = response.content.decode()
    assert "not accepted" in html or "whatever its name says" in html
    assert not CourseMaterial.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("sop.pdf", PDF),
        ("diagram.png", PNG),
        ("slides.pptx", office("ppt/presentation.xml")),
        ("list.xlsx", office("xl/workbook.xml")),
    ],
)
def test_allowed_files_are_stored_under_a_random_name(org, client_for, course, name, content):
    response = add(client_for(org.qm_a), course, name, content)
    assert response.status_code == 302, response.content[:500]
    material = CourseMaterial.objects.get(course=course)
    stored = material.file.name.rsplit("/", 1)[-1]
    assert stored != name and len(stored.split(".")[0]) == 32


def test_the_download_is_scoped_and_cannot_run_in_the_portal(org, client_for, course):
    add(client_for(org.qm_a), course, "sop.pdf", PDF)
    material = CourseMaterial.objects.get(course=course)
    url = reverse("training:material_file", args=[material.pk])

    response = client_for(org.emp_a).get(url)  # a trainee of the course's site
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Type"] == "application/pdf"

    assert client_for(org.emp_b).get(url).status_code == 404  # another site
    assert Client().get(url).status_code in (302, 401)


def test_the_api_links_the_download_not_media(org, client_for, course):
    add(client_for(org.qm_a), course, "sop.pdf", PDF)
    material = CourseMaterial.objects.get(course=course)
    body = client_for(org.qm_a).get(f"/api/v1/training/materials/{material.pk}/").json()
    assert body["file"].endswith(reverse("training:material_file", args=[material.pk]))
    assert "/media/" not in body["file"]
    page = client_for(org.emp_a).get(reverse("training:course_detail", args=[course.pk])).content.decode()
    assert reverse("training:material_file", args=[material.pk]) in page
