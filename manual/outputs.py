"""The manual as files: a controlled-copy PDF (WeasyPrint, through the kernel's locked fetcher) and a DOCX
(python-docx) for the people who must send it in Word.

Only the effective version is issued as a controlled copy. Any other version is refused unless a draft copy is
asked for; every page of that copy then says "DRAFT — not effective". The manual for site X is the core plus
the annex of site X.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ims.documents.choices import VersionStatus
from ims.documents.pdf import CONTROLLED_COPY_NOTICE
from ims.esign import selectors as esign_selectors
from ims.reports.render import html_to_pdf

from .rendering import RenderedManual
from .selectors import manual_rendered

DRAFT_MARK = "DRAFT — not effective"


class OutputRefused(ValidationError):
    """A controlled copy of a version that is not effective, without asking for a draft copy."""


def output_check(version, *, draft: bool) -> None:
    if version.status != VersionStatus.EFFECTIVE and not draft:
        raise OutputRefused(
            _(
                "Version %(n)s is %(status)s: only the effective version is issued as a controlled copy. "
                "Ask for a draft copy (draft=1) to get one marked “DRAFT — not effective” on every page."
            )
            % {"n": version.number, "status": version.get_status_display().lower()},
            code="not_effective",
        )


@dataclass
class ManualOutput:
    version: object
    rendered: RenderedManual
    manifestations: list
    draft: bool
    site: object | None

    @property
    def document(self):
        return self.version.document

    @property
    def label(self) -> str:
        return f"{self.document.number} v{self.version.number}"

    def filename(self, extension: str) -> str:
        site = f"-{self.site.code.lower()}" if self.site else ""
        draft = "-draft" if self.draft else ""
        return f"{slugify(self.document.number) or 'manual'}-v{self.version.number}{site}{draft}.{extension}"


def output_prepare(version, *, viewer, draft: bool = False, site=None) -> ManualOutput:
    """What both files show; refuses a version that is not effective unless ``draft``."""
    output_check(version, draft=draft)
    rendered = manual_rendered(version, user=viewer)
    if site is not None:
        rendered = rendered.for_site(site.pk)
    return ManualOutput(
        version=version,
        rendered=rendered,
        manifestations=esign_selectors.manifestations_for(version, viewer=viewer),
        draft=draft and version.status != VersionStatus.EFFECTIVE,
        site=site,
    )


def _css_string(text: str) -> str:
    """Text for a CSS string inside ``<style>`` (raw text: no HTML escaping, but nothing can close the element)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return mark_safe(text.replace("<", "\\3c ").replace(">", "\\3e "))  # noqa: S308 - CSS-escaped


def render_pdf(output: ManualOutput) -> bytes:
    document = output.document
    html = render_to_string(
        "manual/manual_pdf.html",
        {
            "out": output,
            "version": output.version,
            "document": document,
            "rendered": output.rendered,
            "toc": output.rendered.full_toc,
            "manifestations": output.manifestations,
            "header_label": _css_string(f"{output.label} · {document.title}"),
            "notice": _css_string(CONTROLLED_COPY_NOTICE),
            "draft_mark": DRAFT_MARK if output.draft else "",
            "printed_at": timezone.now(),
            "sites": list(document.sites.order_by("code")),
        },
    )
    return html_to_pdf(html)


def render_docx(output: ManualOutput) -> bytes:
    from .docx_writer import manual_docx

    buffer = io.BytesIO()
    manual_docx(output, notice=CONTROLLED_COPY_NOTICE, draft_mark=DRAFT_MARK if output.draft else "").save(buffer)
    return buffer.getvalue()
