"""The audit report PDF and the trend report PDF (WeasyPrint with the kernel's locked URL fetcher).

The report has a cover, the scope, a summary, the findings and the checklist as an annex. Every page carries the
signatures given so far (printed name, date-time with zone, meaning) in its running header, as Part 11 §11.50 asks
of every human-readable form of a signed record.
"""

from __future__ import annotations

from collections import Counter

from django.template.loader import render_to_string
from django.utils import timezone

from ims.actions.registry import action_url
from ims.documents.pdf import CONTROLLED_COPY_NOTICE, LockedURLFetcher
from ims.esign import selectors as esign_selectors

from .choices import ChecklistResult, FindingGrade, FindingStatus
from .models import Audit


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def report_context(audit: Audit, *, viewer) -> dict:
    items = list(
        audit.items.select_related("clause__standard", "process").prefetch_related("files").order_by("position")
    )
    findings = list(audit.findings.select_related("clause__standard", "process", "raised_by").order_by("reference"))
    manifestations = esign_selectors.manifestations_for(audit, viewer=viewer)
    results = Counter(item.result for item in items)
    grades = Counter(f.grade for f in findings if f.status != FindingStatus.CANCELLED)
    return {
        "audit": audit,
        "processes": list(audit.processes.order_by("code")),
        "clauses": list(audit.clauses.select_related("standard").order_by("standard__code", "position")),
        "auditors": list(audit.auditors.all()),
        "auditees": list(audit.auditees.all()),
        "items": items,
        "findings": [(f, action_url(f.action_kind, f.action_ref)) for f in findings],
        "result_counts": [(label, results.get(value, 0)) for value, label in ChecklistResult.choices],
        "grade_counts": [(label, grades.get(value, 0)) for value, label in FindingGrade.choices],
        "manifestations": manifestations,
        "signature_line": _css_string(" | ".join(m.text for m in manifestations) or "Not signed yet"),
        "footer_label": _css_string(f"{audit.reference} · {audit.get_status_display()}"),
        "notice": CONTROLLED_COPY_NOTICE,
        "printed_at": timezone.now(),
    }


def audit_pdf(audit: Audit, *, viewer, url_fetcher=None) -> bytes:
    """The audit report as PDF bytes; the caller has checked that ``viewer`` may view the audit."""
    from weasyprint import HTML

    html = render_to_string("audits/report_pdf.html", report_context(audit, viewer=viewer))
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or LockedURLFetcher()).write_pdf()


def trends_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("audits/trends_pdf.html", {**context, "printed_at": timezone.now()})
    return HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()
