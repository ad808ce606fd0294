"""The minutes PDF and the management review pack PDF (WeasyPrint through ``ims.reports``, locked fetcher).

Both show the chair's signature manifestation (printed name, date-time with zone, meaning) on every page once the
minutes are signed. The pack adds every input in full, in the clause 9.3.2 order.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from ims.esign import selectors as esign_selectors
from ims.reports.render import html_to_pdf

from .models import ManagementReview
from .selectors import review_actions_with_status, review_inputs


def _css_string(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return mark_safe(text.replace("<", "\\3c ").replace(">", "\\3e "))  # noqa: S308 - CSS-escaped


def _context(review: ManagementReview, *, viewer, inputs, pack: bool) -> dict:
    manifestations = esign_selectors.manifestations_for(review, viewer=viewer)
    footer = " · ".join(m.text for m in manifestations) or "Minutes not signed"
    return {
        "review": review,
        "inputs": inputs,
        "decisions": list(review.decisions.order_by("created_at", "pk")),
        "actions": review_actions_with_status(review),
        "attendees": list(review.attendees.order_by("last_name", "first_name")),
        "manifestations": manifestations,
        "pack": pack,
        "printed_at": timezone.now(),
        "header_label": _css_string(f"{review.reference} · {review.title}"),
        "footer_label": _css_string(footer),
    }


def minutes_pdf(review: ManagementReview, *, viewer) -> bytes:
    inputs = review_inputs(user=viewer, review=review)
    return html_to_pdf(
        render_to_string("review/review_pdf.html", _context(review, viewer=viewer, inputs=inputs, pack=False))
    )


def pack_pdf(review: ManagementReview, *, viewer, progress=None) -> tuple[bytes, int]:
    """The pack as PDF bytes and its page count; ``progress(label)`` after each input is assembled."""
    inputs = review_inputs(user=viewer, review=review, progress=progress)
    pdf = html_to_pdf(
        render_to_string("review/review_pdf.html", _context(review, viewer=viewer, inputs=inputs, pack=True))
    )
    from pypdf import PdfReader

    return pdf, len(PdfReader(io.BytesIO(pdf)).pages)
