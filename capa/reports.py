"""The CAPA record as a PDF (WeasyPrint, locked URL fetcher): description, risk, root cause, actions with their
evidence, effectiveness checks, and the manifestation of every signature."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from ims.documents.pdf import CONTROLLED_COPY_NOTICE, LockedURLFetcher
from ims.esign import selectors as esign_selectors

from .choices import FishboneCategory
from .models import Capa


def record_context(capa: Capa, *, viewer) -> dict:
    capa = Capa._base_manager.select_related("site", "owner", "clause__standard", "process").get(pk=capa.pk)
    return {
        "capa": capa,
        "actions": list(capa.actions.select_related("owner").order_by("due_date", "pk")),
        "checks": list(capa.effectiveness_checks.select_related("objective").order_by("created_at", "pk")),
        "fishbone": [(label, (capa.fishbone or {}).get(value, [])) for value, label in FishboneCategory.choices],
        "manifestations": esign_selectors.manifestations_for(capa, viewer=viewer),
        "footer_label": f"{capa.reference} · {capa.get_state_display()}",
        "notice": CONTROLLED_COPY_NOTICE,
        "printed_at": timezone.now(),
    }


def capa_pdf(capa: Capa, *, viewer, url_fetcher=None) -> bytes:
    """The record as PDF bytes; the caller has checked that ``viewer`` may view the CAPA."""
    from weasyprint import HTML

    html = render_to_string("capa/capa_pdf.html", record_context(capa, viewer=viewer))
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or LockedURLFetcher()).write_pdf()
