"""The CAPA record as a PDF (WeasyPrint, locked URL fetcher): description, risk, root cause, actions with their
evidence, effectiveness checks, and the manifestation of every signature."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from ims.documents.pdf import CONTROLLED_COPY_NOTICE, LockedURLFetcher
from ims.esign import selectors as esign_selectors
from ims.esign.canonical import record_hash

from .choices import FishboneCategory
from .models import Capa


def manifestations_in_zone(record, *, tz: datetime.tzinfo) -> list[esign_selectors.Manifestation]:
    """The record's signatures shown in ``tz`` (the record's site), whoever reads them (an evidence pack)."""
    current: dict[str, str] = {}
    rows = []
    for signature in esign_selectors.signatures_for(record):
        if signature.meaning not in current:
            current[signature.meaning] = record_hash(record, meaning=signature.meaning)
        rows.append(esign_selectors.manifestation(signature, tz=tz, current_hash=current[signature.meaning]))
    return rows


def record_context(capa: Capa, *, viewer, tz: datetime.tzinfo | None = None) -> dict:
    """What the record shows; signatures in the viewer's time zone, or in ``tz`` when given."""
    capa = Capa._base_manager.select_related(
        "site", "owner", "clause__standard", "process", "plan_approved_by", "closed_by"
    ).get(pk=capa.pk)
    manifestations = (
        esign_selectors.manifestations_for(capa, viewer=viewer) if tz is None else manifestations_in_zone(capa, tz=tz)
    )
    return {
        "capa": capa,
        "actions": list(capa.actions.select_related("owner").order_by("due_date", "pk")),
        "checks": list(capa.effectiveness_checks.select_related("objective").order_by("created_at", "pk")),
        "fishbone": [(label, (capa.fishbone or {}).get(value, [])) for value, label in FishboneCategory.choices],
        "manifestations": manifestations,
        "footer_label": f"{capa.reference} · {capa.get_state_display()}",
        "notice": CONTROLLED_COPY_NOTICE,
        "printed_at": timezone.now(),
    }


def capa_pdf(capa: Capa, *, viewer, url_fetcher=None) -> bytes:
    """The record as PDF bytes; the caller has checked that ``viewer`` may view the CAPA."""
    from weasyprint import HTML

    html = render_to_string("capa/capa_pdf.html", record_context(capa, viewer=viewer))
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or LockedURLFetcher()).write_pdf()
