"""The gap report of an assessment: a PDF (controlled copy, signature block, heatmap) and an XLSX workbook.

The PDF is rendered by WeasyPrint with the kernel's ``LockedURLFetcher`` (nothing is ever fetched: the heatmap
is inline SVG drawn by ``processes.heatmap``); the XLSX writes every cell through ``ims.web.exports.xlsx_cell``,
so no text becomes a formula.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from ims.actions.registry import action_kind
from ims.documents.pdf import CONTROLLED_COPY_NOTICE, LockedURLFetcher
from ims.esign import selectors as esign_selectors
from ims.web.exports import xlsx_cell

from . import gap_selectors
from .heatmap import heatmap_svg
from .models import GapAssessment

RESULT_COLUMNS = (
    "Standard",
    "Clause",
    "Title",
    "Site",
    "Result",
    "Justification",
    "Finding",
    "Evidence documents",
    "Evidence processes",
    "Records seen",
    "Owner",
    "Due",
    "Action kind",
    "Action",
)


def _kind_label(key: str) -> str:
    if not key:
        return ""
    try:
        return action_kind(key).label
    except Exception:  # a kind no longer registered keeps its key
        return key


def _result_row(result) -> list:
    return [
        str(result.clause.standard),
        result.clause.number,
        result.clause.title,
        result.site.code,
        result.get_status_display() if result.status else "Unanswered",
        result.justification,
        result.finding,
        "; ".join(str(d) for d in result.evidence_documents.all()),
        "; ".join(str(p) for p in result.evidence_processes.all()),
        result.evidence_records,
        result.owner.display_name if result.owner else "",
        result.due_date,
        _kind_label(result.action_kind),
        result.action_ref,
    ]


def report_context(assessment: GapAssessment, *, viewer) -> dict:
    progress = gap_selectors.assessment_progress(assessment)
    heatmap = gap_selectors.assessment_heatmap(assessment)
    return {
        "assessment": assessment,
        "sites": list(assessment.sites.order_by("code")),
        "standards": list(assessment.standards.order_by("code", "edition")),
        "progress": progress,
        "heatmap_svg": mark_safe(heatmap_svg(heatmap, title=f"{assessment.reference} heatmap")),  # noqa: S308 - heatmap_svg escapes every text
        "results": list(gap_selectors.report_results(assessment)),
        "manifestations": esign_selectors.manifestations_for(assessment, viewer=viewer),
        "footer_label": f"{assessment.reference} · {assessment.get_status_display()}",
        "notice": CONTROLLED_COPY_NOTICE,
        "printed_at": timezone.now(),
    }


def assessment_pdf(assessment: GapAssessment, *, viewer, url_fetcher=None) -> bytes:
    """The gap report as PDF bytes; the caller has checked that ``viewer`` may view the assessment."""
    from weasyprint import HTML

    html = render_to_string("processes/gaps/report_pdf.html", report_context(assessment, viewer=viewer))
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or LockedURLFetcher()).write_pdf()


def assessment_xlsx(assessment: GapAssessment) -> bytes:
    """Summary, per-standard figures, the heatmap's scores (site × clause group) and every result."""
    from openpyxl import Workbook

    progress = gap_selectors.assessment_progress(assessment)
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("Summary")
    for label, value in (
        ("Reference", assessment.reference),
        ("Title", assessment.title),
        ("Status", assessment.get_status_display()),
        ("Sites", ", ".join(s.code for s in assessment.sites.order_by("code"))),
        ("Standards", ", ".join(str(s) for s in assessment.standards.order_by("code"))),
        ("Lead assessor", assessment.lead_assessor.display_name),
        ("Planned start", assessment.planned_start),
        (
            "Completed",
            timezone.localtime(assessment.completed_at).replace(tzinfo=None) if assessment.completed_at else "",
        ),
        ("Results digest (SHA-256)", assessment.results_digest),
        ("Results", progress.overall.total),
        ("Answered", progress.overall.answered),
        ("Conforming", progress.overall.conforming),
        ("Partial", progress.overall.partial),
        ("Gap", progress.overall.gap),
        ("Not applicable", progress.overall.not_applicable),
        ("Score %", progress.overall.score if progress.overall.score is not None else ""),
    ):
        summary.append([xlsx_cell(summary, label), xlsx_cell(summary, value)])
    figures = workbook.create_sheet("By standard")
    header = ["Standard", "Results", "Answered", "Conforming", "Partial", "Gap", "Not applicable", "Score %"]
    figures.append([xlsx_cell(figures, h) for h in header])
    for standard, t in progress.by_standard:
        row = [str(standard), t.total, t.answered, t.conforming, t.partial, t.gap, t.not_applicable, t.score]
        figures.append([xlsx_cell(figures, "" if v is None else v) for v in row])
    heatmap = gap_selectors.assessment_heatmap(assessment)
    grid = workbook.create_sheet("Heatmap")
    grid.append([xlsx_cell(grid, "Site")] + [xlsx_cell(grid, f"{c.standard} {c.label}") for c in heatmap.columns])
    for row in heatmap.rows:
        scores = [heatmap.cell(row.key, c.key) for c in heatmap.columns]
        grid.append(
            [xlsx_cell(grid, row.label)]
            + [xlsx_cell(grid, t.score if t is not None and t.score is not None else "") for t in scores]
        )
    results = workbook.create_sheet("Results")
    results.append([xlsx_cell(results, h) for h in RESULT_COLUMNS])
    for result in gap_selectors.report_results(assessment).iterator(chunk_size=500):
        results.append([xlsx_cell(results, "" if v is None else v) for v in _result_row(result)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_pdf(statement, *, viewer, url_fetcher=None) -> bytes:
    """A statement of applicability as PDF: every clause, applicable or excluded with its justification,
    and the approval signature(s)."""
    from weasyprint import HTML

    entries = statement.entries.select_related("clause__standard").order_by(
        "clause__standard__code", "clause__standard__edition", "clause__position"
    )
    context = {
        "statement": statement,
        "standards": list(statement.standards.order_by("code", "edition")),
        "entries": list(entries),
        "excluded": sum(1 for entry in entries if not entry.applicable),
        "manifestations": esign_selectors.manifestations_for(statement, viewer=viewer),
        "footer_label": f"{statement.site.code} SoA v{statement.number} · {statement.get_status_display()}",
        "notice": CONTROLLED_COPY_NOTICE,
        "printed_at": timezone.now(),
    }
    html = render_to_string("processes/gaps/statement_pdf.html", context)
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher or LockedURLFetcher()).write_pdf()
