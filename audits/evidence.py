"""The internal-audit section of an inspector's evidence pack: programmes, audits, findings and checklists.

An audit belongs to the pack when it is at one of the pack's sites and was planned, started or completed in the
period; its findings and checklist answers come with it. Parts (250 rows each, oldest first):
``programme<n>`` (the programmes of the period's years at the sites, then their audited areas), ``audits<n>``,
``findings<n>``, ``checklist<n>``. Date-times are shown in the time zone of the audit's site.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from ims.actions.registry import DEFAULT_KIND, action_kind
from ims.esign import selectors as esign_selectors
from ims.org.models import Site
from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, PackScope, SectionPart, register_section
from ims.reports.render import (
    ROWS_PER_PART,
    local_time,
    page_slice,
    paged_keys,
    part_title,
    render_by_prefix,
    table_html,
    yes_no,
)

from .models import Audit, AuditProgramme, ChecklistItem, EvidenceFile, Finding, ProgrammeArea
from .services import CAPA_KIND

SECTION = "audits"
TITLE = "Internal audits and findings"
PROGRAMME, AUDITS, FINDINGS, CHECKLIST = "programme", "audits", "findings", "checklist"
EMPTY = "—"
#: Table rows per part (the pack's default; tests lower it to see paging).
PER_PART = ROWS_PER_PART


def _period_lead(scope: PackScope) -> str:
    return _("Period %(start)s to %(end)s.") % {"start": scope.period_start, "end": scope.period_end}


# --- what belongs to the pack ----------------------------------------------------------------------------------


def audits_in_scope(scope: PackScope) -> QuerySet:
    """Audits at the pack's sites planned, started or completed in its period."""
    start, end = scope.period_start_dt, scope.period_end_dt
    in_period = (
        Q(planned_date__gte=scope.period_start, planned_date__lte=scope.period_end)
        | Q(started_at__gte=start, started_at__lt=end)
        | Q(completed_at__gte=start, completed_at__lt=end)
    )
    return Audit._base_manager.filter(in_period, site_id__in=scope.site_ids)


def _findings(scope: PackScope) -> QuerySet:
    return Finding._base_manager.filter(audit__in=audits_in_scope(scope).values("pk"), site_id__in=scope.site_ids)


def _items(scope: PackScope) -> QuerySet:
    return ChecklistItem._base_manager.filter(audit__in=audits_in_scope(scope).values("pk"))


def _programmes(scope: PackScope) -> QuerySet:
    """Programmes of the period's years that cover one of the pack's sites."""
    at_sites = AuditProgramme.sites.through.objects.filter(site_id__in=scope.site_ids).values("auditprogramme_id")
    return AuditProgramme._base_manager.filter(
        pk__in=at_sites, year__gte=scope.period_start.year, year__lte=scope.period_end.year
    )


def _areas(scope: PackScope) -> QuerySet:
    return ProgrammeArea._base_manager.filter(programme__in=_programmes(scope).values("pk"))


def audits_included(scope: PackScope) -> list[QuerySet]:
    items = _items(scope)
    files = EvidenceFile._base_manager.filter(item__in=items.values("pk"))
    return [_programmes(scope), _areas(scope), audits_in_scope(scope), _findings(scope), items, files]


def audits_parts(scope: PackScope) -> list[str]:
    return (
        paged_keys(_areas(scope).count(), per_part=PER_PART, prefix=PROGRAMME)
        + paged_keys(audits_in_scope(scope).count(), per_part=PER_PART, prefix=AUDITS)
        + paged_keys(_findings(scope).count(), per_part=PER_PART, prefix=FINDINGS)
        + paged_keys(_items(scope).count(), per_part=PER_PART, prefix=CHECKLIST)
    )


# --- parts -----------------------------------------------------------------------------------------------------


def _render_programmes(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=PROGRAMME)
    html, records = "", []
    if window.start == 0:
        programmes = list(
            _programmes(scope)
            .annotate(area_count=Count("areas"))
            .prefetch_related(Prefetch("sites", queryset=Site.objects.filter(pk__in=scope.site_ids).order_by("code")))
            .order_by("year", "title", "pk")
        )
        html += table_html(
            title=_("Audit programmes"),
            lead=_("Programmes of %(years)s covering the sites of this pack.")
            % {"years": "–".join(sorted({str(scope.period_start.year), str(scope.period_end.year)}))},
            columns=[_("Year"), _("Programme"), _("Sites"), (_("Areas"), True), _("Active")],
            rows=[
                [p.year, p.title, ", ".join(s.code for s in p.sites.all()), p.area_count, yes_no(p.is_active)]
                for p in programmes
            ],
            empty=_("No audit programme covers these sites in the period."),
        )
        records += manifest_records(programmes)
    areas = list(
        _areas(scope)
        .select_related("programme", "process", "standard", "clause__standard", "auditor")
        .order_by("programme__year", "programme__title", "programme_id", "pk")[window]
    )
    html += table_html(
        title=_("Audited areas"),
        columns=[_("Programme"), _("Area"), _("Risk"), (_("Audits a year"), True), _("Lead auditor"), _("Active")],
        rows=[
            [
                str(a.programme),
                a.label,
                a.get_risk_display(),
                a.frequency,
                a.auditor.display_name if a.auditor else EMPTY,
                yes_no(a.is_active),
            ]
            for a in areas
        ],  # fmt: skip
        empty=_("No audited areas."),
    )
    records += manifest_records(areas)
    title = part_title(_("Audited areas"), window, len(areas)) if window.start else _("Audit programmes")
    return SectionPart(title=title, html=html, records=records)


def _scope_text(audit: Audit) -> str:
    standards: dict[str, list[str]] = defaultdict(list)
    for clause in audit.clauses.all():
        standards[clause.standard.code].append(clause.number)
    parts = [f"{code} {', '.join(numbers)}" for code, numbers in standards.items()]
    processes = ", ".join(p.code for p in audit.processes.all())
    if processes:
        parts.append(_("processes %(codes)s") % {"codes": processes})
    return "; ".join(parts) or EMPTY


def _render_audits(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=AUDITS)
    audits = list(
        audits_in_scope(scope)
        .select_related("site", "lead_auditor")
        .prefetch_related(
            Prefetch("clauses", queryset=_clauses_in_order()),
            Prefetch("processes", queryset=_processes_in_order()),
        )
        .order_by("planned_date", "reference")[window]
    )
    signatures = esign_selectors.signatures_text(audits, tz_of=lambda a: a.site.tzinfo)
    rows = []
    for audit in audits:
        tz = audit.site.tzinfo
        planned = audit.planned_date.isoformat()
        if audit.planned_end and audit.planned_end != audit.planned_date:
            planned += f" – {audit.planned_end.isoformat()}"
        performed = f"{local_time(audit.started_at, tz)} – {local_time(audit.completed_at, tz)}"
        if audit.started_at is None:
            performed = EMPTY
        rows.append([
            audit.reference, audit.site.code, f"{audit.title} · {_scope_text(audit)}",
            audit.lead_auditor.display_name if audit.lead_auditor else EMPTY, planned, performed,
            audit.get_status_display(), "; ".join(signatures.get(audit.pk, [])) or _("Not signed"),
        ])  # fmt: skip
    lead = _("Audits planned, started or completed in the period, by planned date.") + " " + _period_lead(scope)
    html = table_html(
        title=_("Internal audits"),
        lead=lead,
        columns=[_("Number"), _("Site"), _("Title and scope"), _("Lead auditor"), _("Planned"), _("Performed"),
                 _("Status"), _("Report signatures")],
        rows=rows,
        empty=_("No internal audit at these sites in the period."),
    )  # fmt: skip
    return SectionPart(title=part_title(_("Audits"), window, len(audits)), html=html, records=manifest_records(audits))


def _clauses_in_order():
    from processes.models import Clause

    return Clause.objects.select_related("standard").order_by("standard__code", "position")


def _processes_in_order():
    from processes.models import Process

    return Process._base_manager.order_by("code")


def _action_text(kind: str, reference: str) -> str:
    """The CAPA's number; another kind of action with its kind's name."""
    if not reference:
        return EMPTY
    if kind in ("", DEFAULT_KIND, CAPA_KIND):
        return reference
    try:
        return f"{action_kind(kind).label} {reference}"
    except ValidationError:  # a kind no longer registered
        return f"{kind} {reference}"


def _render_findings(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=FINDINGS)
    findings = list(
        _findings(scope)
        .select_related("audit", "site", "clause__standard", "process")
        .order_by("audit__planned_date", "audit__reference", "reference")[window]
    )
    rows = [
        [f.reference, f.audit.reference, f.site.code, f.get_grade_display(),
         f"{f.clause.standard.code} {f.clause.number} {f.clause.title}", f.statement, f.raised_on.isoformat(),
         _action_text(f.action_kind, f.action_ref), f.get_status_display()]
        for f in findings
    ]  # fmt: skip
    html = table_html(
        title=_("Findings"),
        lead=_("Findings of the audits above."),
        columns=[_("Number"), _("Audit"), _("Site"), _("Grade"), _("Clause"), _("Finding"), _("Raised"), _("CAPA"),
                 _("Status")],
        rows=rows,
        empty=_("No findings."),
    )  # fmt: skip
    html = f'<div class="small">{html}</div>'  # nine columns
    return SectionPart(
        title=part_title(_("Findings"), window, len(findings)), html=html, records=manifest_records(findings)
    )


def _render_checklist(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=CHECKLIST)
    items = list(
        _items(scope)
        .select_related("audit__site", "clause__standard", "process", "answered_by")
        .prefetch_related("files")
        .order_by("audit__planned_date", "audit__reference", "position")[window]
    )
    rows, files = [], []
    for item in items:
        where = " ".join(
            part
            for part in (
                f"{item.clause.standard.code} {item.clause.number}" if item.clause else "",
                item.process.code if item.process else "",
            )
            if part
        )
        evidence = [f"{f.original_name} (SHA-256 {f.sha256[:16]}…)" for f in item.files.all()]
        files += item.files.all()
        answered = EMPTY
        if item.answered_at:
            who = item.answered_by.display_name if item.answered_by else ""
            answered = f"{who}, {local_time(item.answered_at, item.audit.site.tzinfo)}".lstrip(", ")
        rows.append([
            item.audit.reference, item.position, where or EMPTY, item.question, item.get_result_display(),
            "; ".join(filter(None, [item.notes, *evidence])) or EMPTY, answered,
        ])  # fmt: skip
    html = table_html(
        title=_("Checklists"),
        lead=_("The checklist answers of the audits above, with the evidence files attached."),
        columns=[_("Audit"), ("#", True), _("Clause / process"), _("Question"), _("Result"), _("Notes and evidence"),
                 _("Answered")],
        rows=rows,
        empty=_("No checklist questions (a checklist is generated when its audit starts)."),
    )  # fmt: skip
    records = manifest_records(items) + manifest_records(files)
    return SectionPart(title=part_title(_("Checklists"), window, len(items)), html=html, records=records)


RENDERERS = {
    PROGRAMME: _render_programmes,
    AUDITS: _render_audits,
    FINDINGS: _render_findings,
    CHECKLIST: _render_checklist,
}


def audits_render(scope: PackScope, key: str) -> SectionPart:
    return render_by_prefix(RENDERERS, scope, key, section="audits")


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION,
            title=TITLE,
            order=60,
            models=(
                "audits.auditprogramme",
                "audits.programmearea",
                "audits.audit",
                "audits.checklistitem",
                "audits.evidencefile",
                "audits.finding",
            ),
            parts=audits_parts,
            render=audits_render,
            description="Audit programmes, internal audits at the sites in the period, their findings and checklists.",
            pages=(
                ("Audit programmes", "audits:programme_list"),
                ("Audits", "audits:audit_list"),
                ("Findings", "audits:finding_list"),
            ),
            period_lookups={
                "audits.audit": "planned_date",
                "audits.checklistitem": "audit__planned_date",
                "audits.evidencefile": "item__audit__planned_date",
                "audits.finding": "raised_on",
            },
            included=audits_included,
        )
    )
