"""Uploaded files, one set of rules for every upload of the portal (document attachments, training materials).

- An allow list of kinds, each recognised by its **bytes** (magic numbers, the Office package
  structure), never by the name or the browser's content type alone: PDF, DOCX, XLSX, PPTX, PNG,
  JPEG, MP4. HTML, SVG, scripts and executables are refused whatever they are called.
- Office files are ZIP packages: they are **inflated** member by member with a hard byte limit, so
  a package that lies about its sizes ("zip bomb") is refused without trusting its directory.
- Stored under a random name (the original name is kept apart, for the download).
- Served only by views that check the user's scope, as a download with ``nosniff`` and a sandbox
  CSP (``download_response``): an uploaded file never runs in the portal's origin.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

#: Served files never run in the portal's origin: a download, no sniffing, a sandbox without scripts.
ATTACHMENT_CSP = "sandbox; default-src 'none'"
#: An Office package may inflate to at most this multiple of the upload limit …
MAX_INFLATION = 10
#: … and hold at most this many members.
MAX_MEMBERS = 1000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    package_member: str = ""  # the member every genuine Office package of this kind holds


KINDS = {
    kind.code: kind
    for kind in (
        Kind("pdf", "PDF", (".pdf",), "application/pdf"),
        Kind(
            "docx",
            "Word document (.docx)",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "word/document.xml",
        ),
        Kind(
            "xlsx",
            "Excel workbook (.xlsx)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xl/workbook.xml",
        ),
        Kind(
            "pptx",
            "PowerPoint presentation (.pptx)",
            (".pptx",),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "ppt/presentation.xml",
        ),
        Kind("png", "PNG image", (".png",), "image/png"),
        Kind("jpeg", "JPEG image", (".jpg", ".jpeg"), "image/jpeg"),
        Kind("mp4", "MP4 video", (".mp4",), "video/mp4"),
    )
}
#: What a training material may be.
MATERIAL_KINDS = ("pdf", "docx", "xlsx", "pptx", "png", "jpeg", "mp4")


@dataclass(frozen=True)
class CheckedUpload:
    kind: Kind
    size: int
    sha256: str
    name: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMS_DOCUMENT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def max_material_bytes() -> int:
    return int(getattr(settings, "IMS_MATERIAL_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))


def _extension(name: str) -> str:
    name = (name or "").lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def package_inflates_within(upload, *, limit: int, member: str) -> bool:
    """True if ``upload`` is a ZIP package holding ``member`` and '[Content_Types].xml' whose members really
    inflate to at most ``limit`` bytes in all. The sizes the archive declares are not trusted: every member
    is decompressed, and reading stops at the limit."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as package:
            infos = package.infolist()
            if len(infos) > MAX_MEMBERS:
                return False
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or member not in names:
                return False
            total = 0
            for info in infos:
                with package.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False
    except Exception:  # noqa: BLE001 - any failure to inflate (zlib.error, CRC errors) is a refusal
        return False
    finally:
        upload.seek(0)
    return True


def _genuine(kind: Kind, upload, head: bytes, limit: int) -> bool:
    guessed = filetype.guess(head)
    if kind.code == "pdf":
        return head.startswith(b"%PDF-")
    if kind.package_member:
        return head.startswith(b"PK\x03\x04") and package_inflates_within(
            upload, limit=MAX_INFLATION * limit, member=kind.package_member
        )
    if kind.code == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind.code == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind.code == "mp4":
        return guessed is not None and guessed.mime == "video/mp4"
    return False


def upload_check(upload, *, allowed: tuple[str, ...], field: str, limit: int | None = None) -> CheckedUpload:
    """Raise ``ValidationError`` on ``field`` unless ``upload`` is one of the ``allowed`` kinds by its bytes,
    not empty and within ``limit``; returns its kind, size, SHA-256 and cleaned original name."""
    limit = max_upload_bytes() if limit is None else limit
    kinds = [KINDS[code] for code in allowed]
    accepted = ", ".join(kind.label for kind in kinds)
    size = upload.size
    if size is None or size > limit:
        raise ValidationError({field: _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}})
    if size == 0:
        raise ValidationError({field: _("The file is empty.")})
    extension = _extension(upload.name)
    kind = next((k for k in kinds if extension in k.extensions), None)
    if kind is None:
        raise ValidationError(
            {field: _("This kind of file is not accepted. Upload one of: %(kinds)s.") % {"kinds": accepted}}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not _genuine(kind, upload, head, limit):
        raise ValidationError(
            {field: _("The file's content is not a %(type)s, whatever its name says.") % {"type": kind.label}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:200]
    return CheckedUpload(kind=kind, size=size, sha256=digest.hexdigest(), name=name)


def random_name(checked: CheckedUpload) -> str:
    """The storage name of a checked upload: random, with the kind's extension (never the user's name)."""
    return f"{uuid.uuid4().hex}{checked.kind.extensions[0]}"


def download_response(file, *, filename: str, content_type: str) -> FileResponse:
    """A stored upload as a download that cannot run in the portal's origin."""
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def kind_of_name(name: str) -> Kind | None:
    extension = _extension(name)
    return next((kind for kind in KINDS.values() if extension in kind.extensions), None)
