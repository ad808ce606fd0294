"""Content safety: sanitised Markdown, uploads checked by their bytes, escaped diffs."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ims.documents.content import attachment_check, diff_side_by_side, diff_unified, render_markdown

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def docx_bytes(extra: dict[str, bytes] | None = None, word: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("_rels/.rels", "<Relationships/>")
        if word:
            package.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")  # what the client claims is ignored


@pytest.mark.parametrize(
    "markdown, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<iframe src="https://example.com"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
        ('<div style="background:url(javascript:alert(1))">x</div>', "javascript:"),
        ("<svg><script>alert(1)</script></svg>", "<script"),
    ],
)
def test_no_script_survives_markdown_rendering(markdown, forbidden):
    html = render_markdown(f"# Title\n\n{markdown}\n\nText after.")
    assert forbidden not in html.lower()
    assert "<h1" in html and "Text after." in html


def test_markdown_keeps_the_structure_of_a_procedure():
    html = render_markdown(
        "# Scope\n\n1. First\n2. Second\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n**bold** [ISO](https://iso.org)"
    )
    for tag in ("<h1", "<ol>", "<table>", "<strong>bold</strong>", 'href="https://iso.org"', "noopener"):
        assert tag in html


@pytest.mark.req("ASVS5-5.1.1", "ASVS5-5.2.3")
@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("sop.pdf", PDF, "application/pdf"),
        ("SOP.PDF", PDF, "application/pdf"),
        ("form.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_genuine_pdf_and_docx_are_accepted(name, data, content_type):
    checked = attachment_check(upload(name, data))
    assert checked.content_type == content_type
    assert checked.size == len(data) and len(checked.sha256) == 64


@pytest.mark.req("ASVS5-5.1.1", "ASVS5-5.2.3")
@pytest.mark.parametrize(
    "name, data",
    [
        ("sop.pdf", b"MZ\x90\x00 an executable renamed"),
        ("sop.pdf", b"<html><script>alert(1)</script></html>"),
        ("sop.pdf", docx_bytes()),  # a real DOCX with the wrong extension
        ("form.docx", PDF),
        ("form.docx", docx_bytes(word=False)),  # a ZIP that is not a Word document
        ("form.docx", b"PK\x03\x04 not really a zip"),
        ("page.html", b"<html></html>"),
        ("sop.pdf.exe", PDF),
        ("sop", PDF),
        ("empty.pdf", b""),
    ],
)
def test_files_are_checked_by_their_bytes_not_their_name(name, data):
    with pytest.raises(ValidationError) as error:
        attachment_check(upload(name, data))
    assert "attachment" in error.value.message_dict


@pytest.mark.req("ASVS5-5.1.1")
def test_files_over_the_size_limit_are_refused(settings):
    settings.IMS_DOCUMENT_MAX_UPLOAD_BYTES = 1024
    assert attachment_check(upload("small.pdf", PDF))  # the control: under the limit
    with pytest.raises(ValidationError):
        attachment_check(upload("big.pdf", PDF + b"0" * 2048))


@pytest.mark.req("ASVS5-5.2.3")
def test_a_docx_with_too_many_members_is_refused():
    many = docx_bytes(extra={f"word/media/{n}.xml": b"" for n in range(1001)})
    with pytest.raises(ValidationError):
        attachment_check(upload("many.docx", many))


@pytest.mark.req("ASVS5-5.2.3")
def test_a_docx_that_inflates_far_beyond_the_limit_is_refused(settings):
    settings.IMS_DOCUMENT_MAX_UPLOAD_BYTES = 4096
    bomb = docx_bytes(extra={"word/media/padding.bin": b"\0" * 200_000})
    assert len(bomb) < 4096
    with pytest.raises(ValidationError):
        attachment_check(upload("bomb.docx", bomb))


@pytest.mark.parametrize("render", [diff_unified, diff_side_by_side])
def test_diffs_show_changes_and_escape_markup(render):
    old = "# Scope\n\nKeep this line.\nRemove this line.\n"
    new = "# Scope\n\nKeep this line.\nAdded <script>alert(1)</script> line.\n"
    html = render(old, new, old_label="v1 <b>", new_label="v2")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html
    assert "diff-add" in html and "diff-del" in html
    assert "Remove this line." in html and "Keep this line." in html


def test_identical_versions_say_so():
    assert "same content" in diff_unified("a", "a", old_label="v1", new_label="v2")


def _lie_about_sizes(data: bytes, member: str, declared: int) -> bytes:
    """Rewrite the local header and central directory so that ``member`` claims ``declared`` inflated bytes."""
    import struct

    raw = bytearray(data)
    name = member.encode()
    # (signature, offset of the name length, offset of the name, offset of the uncompressed size)
    for signature, length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        position = 0
        while (position := raw.find(signature, position)) != -1:
            name_length = struct.unpack_from("<H", raw, position + length_at)[0]
            if raw[position + name_at : position + name_at + name_length] == name:
                struct.pack_into("<I", raw, position + size_at, declared)
            position += 4
    return bytes(raw)


@pytest.mark.req("ASVS5-5.2.3")
def test_a_docx_that_lies_about_its_inflated_size_is_refused():
    """Declares 1,000 bytes, inflates to 300 MB: the check inflates for real, with a hard limit."""
    honest = docx_bytes(extra={"word/media/padding.bin": b"\0" * 300_000_000})
    bomb = _lie_about_sizes(honest, "word/media/padding.bin", 1000)
    with zipfile.ZipFile(io.BytesIO(bomb)) as package:
        assert sum(info.file_size for info in package.infolist()) < 10_000  # what the archive declares
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationError):
        attachment_check(upload("bomb.docx", bomb))
    assert attachment_check(upload("fine.docx", docx_bytes()))  # the control
