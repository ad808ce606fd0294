"""A controlled copy of a document version as PDF (WeasyPrint), rendered with a fetcher that loads nothing.

The PDF carries the document number, title, version, status and effective date, the sanitised Markdown
content, the signature block (printed name, date-time with zone, meaning; Part 11 §11.50) and, on every
page, a footer with the number and version, the controlled-copy notice and "Page N of M".

No resource is ever fetched while rendering: ``LockedURLFetcher`` refuses every URL except inline
``data:`` URIs, so content that names ``file:///…``, an internal host or a CSS ``@import`` can neither
read local files nor reach the network (SSRF / local file inclusion).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from ims.esign import selectors as esign_selectors

from .content import render_markdown
from .content_kinds import version_pdf_extra
from .models import DocumentVersion

CONTROLLED_COPY_NOTICE = "Controlled copy — uncontrolled when printed"


class ResourceRefused(ValueError):
    """The PDF renderer asked for a resource; only inline ``data:`` URIs are ever served."""


class LockedURLFetcher(URLFetcher):
    """Serves ``data:`` URIs only; every other URL (file, http(s), ftp, relative, …) is refused and noted."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not str(url).lower().startswith("data:"):
            self.refused.append(str(url))
            raise ResourceRefused("External resources are not loaded into document PDFs.")
        return super().fetch(url, headers)

    def __call__(self, url, headers=None):
        return self.fetch(url, headers)


def version_pdf_context(version: DocumentVersion, *, viewer) -> dict:
    document = version.document
    return {
        "version": version,
        "document": document,
        "body_html": render_markdown(version.body),
        "manifestations": esign_selectors.manifestations_for(version, viewer=viewer),
        "footer_label": f"{document.number} v{version.number}",
        "notice": CONTROLLED_COPY_NOTICE,
        **version_pdf_extra(version),
    }


def version_pdf_filename(version: DocumentVersion) -> str:
    return f"{slugify(version.document.number) or 'document'}-v{version.number}.pdf"


def render_version_pdf(version: DocumentVersion, *, viewer, url_fetcher: URLFetcher | None = None) -> bytes:
    """The PDF bytes of ``version`` as ``viewer`` sees it (signature times in the viewer's site time zone).

    The caller has already checked that ``viewer`` may view the version.
    """
    html = render_to_string("documents/version_pdf.html", version_pdf_context(version, viewer=viewer))
    fetcher = url_fetcher or LockedURLFetcher()
    # No base URL: relative references resolve to nothing and are never looked up on disk.
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
