"""The processes section of an inspector's evidence pack: the register, the process maps, gap assessments and
statements of applicability at the pack's sites.

Parts, oldest or by number first: ``register<n>`` (250 processes at the sites), ``maps<n>`` (the process-map
versions approved or in force in the period), ``diagrams<n>`` (their sanitised diagrams, embedded as ``data:``
images, and steps; a few per part), ``gaps<n>`` (assessments at the sites planned, started, completed or approved
in the period, with their results counted at the pack's sites), ``results<n>`` (their partial, gap and
not-applicable results at the pack's sites), ``soa<n>`` (the statements of applicability in force in the period,
then their exclusions). Date-times are shown in the time zone of the record's first site among the pack's.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ims.documents import selectors as document_selectors
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import DocumentVersion
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

from .gap_selectors import STATUS_KEYS
from .models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    ClauseResult,
    GapAssessment,
    MapDiagram,
    Process,
    ResultStatus,
    StatementStatus,
)

SECTION = "processes"
TITLE = "Process maps and gap assessments"
REGISTER, MAPS, DIAGRAMS, GAPS, RESULTS, SOA = "register", "maps", "diagrams", "gaps", "results", "soa"
#: Diagrams per part: each is a full-width drawing with its steps table.
DIAGRAMS_PER_PART = 10
#: The results an inspector reads one by one; conforming results are counted with their assessment.
LISTED_RESULTS = (ResultStatus.PARTIAL, ResultStatus.GAP, ResultStatus.NOT_APPLICABLE)
EMPTY = "—"
#: Table rows per part (the pack's default; tests lower it to see paging).
PER_PART = ROWS_PER_PART


def _scope_sites(scope: PackScope) -> QuerySet:
    return Site.objects.filter(pk__in=scope.site_ids).order_by("code")


def _first_zone(sites, default) -> datetime.tzinfo:
    """The zone of the record's first site among the pack's (prefetched, in code order)."""
    sites = list(sites)
    return sites[0].tzinfo if sites else default


def _approval(record, signatures: dict[int, list[str]], tz) -> str:
    """The approval as its signatures show it; the recorded approver and time for an approval without one."""
    if signed := signatures.get(record.pk):
        return "; ".join(signed)
    if record.approved_at is None:
        return EMPTY
    who = record.approved_by.display_name if record.approved_by else ""
    return ", ".join(filter(None, [who, local_time(record.approved_at, tz)]))


# --- what belongs to the pack ----------------------------------------------------------------------------------


def _processes(scope: PackScope) -> QuerySet:
    at_sites = Process.sites.through.objects.filter(site_id__in=scope.site_ids).values("process_id")
    return Process._base_manager.filter(pk__in=at_sites)


def _map_versions(scope: PackScope) -> QuerySet:
    """Versions of the process maps at the pack's sites approved now or in force at some moment of the period."""
    in_force = document_selectors.versions_in_force(
        site_ids=scope.site_ids, start=scope.period_start_dt, end=scope.period_end_dt
    )
    at_sites = DocumentVersion._base_manager.filter(document__sites__in=scope.site_ids).values("pk")
    return DocumentVersion._base_manager.filter(
        Q(pk__in=in_force.values("pk")) | Q(status=VersionStatus.APPROVED, pk__in=at_sites),
        document__doc_type=DocumentType.PROCESS_MAP,
    )


def _diagrams(scope: PackScope) -> QuerySet:
    return MapDiagram._base_manager.filter(version__in=_map_versions(scope).values("pk"))


def _assessments(scope: PackScope) -> QuerySet:
    """Assessments of one of the pack's sites planned, started, completed or approved in its period."""
    start, end = scope.period_start_dt, scope.period_end_dt
    in_period = (
        Q(planned_start__gte=scope.period_start, planned_start__lte=scope.period_end)
        | Q(started_at__gte=start, started_at__lt=end)
        | Q(completed_at__gte=start, completed_at__lt=end)
        | Q(approved_at__gte=start, approved_at__lt=end)
    )
    at_sites = GapAssessment.sites.through.objects.filter(site_id__in=scope.site_ids).values("gapassessment_id")
    return GapAssessment._base_manager.filter(in_period, pk__in=at_sites)


def _listed_results(scope: PackScope) -> QuerySet:
    return ClauseResult._base_manager.filter(
        assessment__in=_assessments(scope).values("pk"), site_id__in=scope.site_ids, status__in=LISTED_RESULTS
    )


def _statements(scope: PackScope) -> QuerySet:
    """Statements of applicability of the pack's sites approved now, or superseded during the period."""
    superseded_in_period = Q(
        status=StatementStatus.SUPERSEDED, superseded_at__gte=scope.period_start_dt, approved_at__lt=scope.period_end_dt
    )
    return ApplicabilityStatement._base_manager.filter(
        Q(status=StatementStatus.APPROVED) | superseded_in_period, site_id__in=scope.site_ids
    )


def _exclusions(scope: PackScope) -> QuerySet:
    return ApplicabilityEntry._base_manager.filter(statement__in=_statements(scope).values("pk"), applicable=False)


def processes_included(scope: PackScope) -> list[QuerySet]:
    return [
        _processes(scope),
        _map_versions(scope),
        _diagrams(scope),
        _assessments(scope),
        _listed_results(scope),
        _statements(scope),
        _exclusions(scope),
    ]


def processes_parts(scope: PackScope) -> list[str]:
    return (
        paged_keys(_processes(scope).count(), per_part=PER_PART, prefix=REGISTER)
        + paged_keys(_map_versions(scope).count(), per_part=PER_PART, prefix=MAPS)
        + [f"{DIAGRAMS}{i}" for i in range(-(-_diagrams(scope).count() // DIAGRAMS_PER_PART))]
        + paged_keys(_assessments(scope).count(), per_part=PER_PART, prefix=GAPS)
        + paged_keys(_listed_results(scope).count(), per_part=PER_PART, prefix=RESULTS)
        + paged_keys(_exclusions(scope).count(), per_part=PER_PART, prefix=SOA)
    )


# --- parts -----------------------------------------------------------------------------------------------------


def _render_register(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=REGISTER)
    processes = list(
        _processes(scope)
        .select_related("owner", "map_document")
        .annotate(clause_count=Count("clauses", distinct=True), kpi_count=Count("objectives", distinct=True))
        .prefetch_related(Prefetch("sites", queryset=_scope_sites(scope)))
        .order_by("code")[window]
    )
    rows = [
        [f"{p.code} · {p.name}", p.get_process_type_display(), p.owner.display_name,
         ", ".join(s.code for s in p.sites.all()), p.clause_count, p.kpi_count,
         p.map_document.number if p.map_document else EMPTY, _("Active") if p.is_active else _("Retired")]
        for p in processes
    ]  # fmt: skip
    html = table_html(
        title=_("Process register"),
        lead=_("The processes of the sites of this pack (their sites among the pack's)."),
        columns=[_("Process"), _("Type"), _("Owner"), _("Sites"), (_("Clauses"), True), (_("KPIs"), True),
                 _("Process map"), _("Status")],
        rows=rows,
        empty=_("No process at these sites."),
    )  # fmt: skip
    return SectionPart(
        title=part_title(_("Process register"), window, len(processes)), html=html, records=manifest_records(processes)
    )


def _render_maps(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=MAPS)
    default_tz = _first_zone(_scope_sites(scope), datetime.UTC)
    versions = list(
        _map_versions(scope)
        .select_related("document", "approved_by")
        .prefetch_related(Prefetch("document__sites", queryset=_scope_sites(scope)))
        .annotate(has_diagram=Exists(MapDiagram._base_manager.filter(version=OuterRef("pk"))))
        .order_by("document__number", "number", "pk")[window]
    )
    rows = []
    for version in versions:
        tz = _first_zone(version.document.sites.all(), default_tz)
        approved = EMPTY
        if version.approved_at:
            who = version.approved_by.display_name if version.approved_by else ""
            approved = ", ".join(filter(None, [who, local_time(version.approved_at, tz)]))
        rows.append([
            version.document.number, version.document.title, version.number, version.get_status_display(),
            version.effective_date.isoformat() if version.effective_date else EMPTY, approved,
            yes_no(version.has_diagram),
        ])  # fmt: skip
    html = table_html(
        title=_("Process maps"),
        lead=_("Versions of the process maps (BPMN, controlled documents) approved or in force from %(start)s to "
               "%(end)s.") % {"start": scope.period_start, "end": scope.period_end},
        columns=[_("Map"), _("Title"), (_("Version"), True), _("Status"), _("Effective"), _("Approved"),
                 _("Diagram")],
        rows=rows,
        empty=_("No process map was approved or in force at these sites in the period."),
    )  # fmt: skip
    records = manifest_records(versions, version_field="number")
    return SectionPart(title=part_title(_("Process maps"), window, len(versions)), html=html, records=records)


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _render_diagrams(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=DIAGRAMS_PER_PART, prefix=DIAGRAMS)
    diagrams = list(
        _diagrams(scope)
        .select_related("version__document")
        .order_by("version__document__number", "version__number", "pk")[window]
    )
    html = render_to_string(
        "processes/evidence/diagrams.html",
        {"diagrams": [(d, _svg_uri(d.svg) if d.svg else "") for d in diagrams]},
    )
    return SectionPart(
        title=part_title(_("Process-map diagrams"), window, len(diagrams)),
        html=html,
        records=manifest_records(diagrams),
    )


def _tallies(assessment_ids: list[int], site_ids: Sequence[int]) -> dict[int, dict]:
    """Per assessment, its results at the pack's sites counted by result (one grouped query)."""
    rows = (
        ClauseResult._base_manager.filter(assessment_id__in=assessment_ids, site_id__in=site_ids)
        .values("assessment_id")
        .annotate(total=Count("pk"), **{key: Count("pk", filter=Q(status=key)) for key in STATUS_KEYS})
    )
    return {row["assessment_id"]: row for row in rows}


def _render_gaps(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=GAPS)
    assessments = list(
        _assessments(scope)
        .select_related("approved_by", "lead_assessor")
        .prefetch_related(Prefetch("sites", queryset=_scope_sites(scope)), "standards")
        .order_by("planned_start", "reference")[window]
    )
    default_tz = _first_zone(_scope_sites(scope), datetime.UTC)

    def tz_of(assessment):
        return _first_zone(assessment.sites.all(), default_tz)

    tallies = _tallies([a.pk for a in assessments], scope.site_ids)
    signatures = esign_selectors.signatures_text(assessments, tz_of=tz_of)
    rows = []
    for assessment in assessments:
        tally = tallies.get(assessment.pk, {"total": 0, **dict.fromkeys(STATUS_KEYS, 0)})
        unanswered = tally["total"] - sum(tally[key] for key in STATUS_KEYS)
        counts = _("%(c)s conforming · %(p)s partial · %(g)s gap · %(n)s not applicable · %(u)s unanswered") % {
            "c": tally["conforming"], "p": tally["partial"], "g": tally["gap"], "n": tally["not_applicable"],
            "u": unanswered,
        }  # fmt: skip
        rows.append([
            f"{assessment.reference} · {assessment.title}",
            ", ".join(f"{s.code} {s.edition}".strip() for s in assessment.standards.all()),
            ", ".join(s.code for s in assessment.sites.all()), assessment.get_status_display(),
            assessment.planned_start.isoformat(), _approval(assessment, signatures, tz_of(assessment)), counts,
        ])  # fmt: skip
    html = table_html(
        title=_("Gap assessments"),
        lead=_("Assessments planned, started, completed or approved from %(start)s to %(end)s; results counted at "
               "the sites of this pack.") % {"start": scope.period_start, "end": scope.period_end},
        columns=[_("Assessment"), _("Standards"), _("Sites"), _("Status"), _("Planned"), _("Approval"),
                 _("Results")],
        rows=rows,
        empty=_("No gap assessment at these sites in the period."),
    )  # fmt: skip
    return SectionPart(
        title=part_title(_("Gap assessments"), window, len(assessments)),
        html=html,
        records=manifest_records(assessments),
    )


def _render_results(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=RESULTS)
    results = list(
        _listed_results(scope)
        .select_related("assessment", "site", "clause__standard", "owner")
        .order_by("assessment__planned_start", "assessment__reference", "site__code", "clause__standard__code",
                  "clause__position", "pk")[window]
    )  # fmt: skip
    rows = [
        [r.assessment.reference, r.site.code, f"{r.clause.standard.code} {r.clause.number} {r.clause.title}",
         r.get_status_display(), r.justification if r.status == ResultStatus.NOT_APPLICABLE else r.finding or EMPTY,
         r.owner.display_name if r.owner else EMPTY, r.due_date.isoformat() if r.due_date else EMPTY,
         r.action_ref or EMPTY]
        for r in results
    ]  # fmt: skip
    html = table_html(
        title=_("Gap assessment results: partial, gap, not applicable"),
        lead=_("The results of the assessments above at the sites of this pack that are not conforming."),
        columns=[_("Assessment"), _("Site"), _("Clause"), _("Result"), _("Finding or justification"), _("Owner"),
                 _("Due"), _("Action")],
        rows=rows,
        empty=_("Every answered result is conforming."),
    )  # fmt: skip
    return SectionPart(
        title=part_title(_("Gap assessment results"), window, len(results)),
        html=html,
        records=manifest_records(results),
    )


def _render_soa(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=SOA)
    html, records = "", []
    if window.start == 0:
        statements = list(
            _statements(scope)
            .select_related("site", "approved_by")
            .prefetch_related("standards")
            .annotate(
                applicable_count=Count("entries", filter=Q(entries__applicable=True)),
                excluded_count=Count("entries", filter=Q(entries__applicable=False)),
            )
            .order_by("site__code", "-number")
        )
        signatures = esign_selectors.signatures_text(statements, tz_of=lambda s: s.site.tzinfo)
        rows = []
        for statement in statements:
            rows.append([
                statement.site.code, statement.number, statement.get_status_display(),
                ", ".join(s.code for s in statement.standards.all()),
                _approval(statement, signatures, statement.site.tzinfo),
                statement.applicable_count, statement.excluded_count,
            ])  # fmt: skip
        html += table_html(
            title=_("Statements of applicability"),
            lead=_("The approved statement of each site, and those superseded during the period."),
            columns=[_("Site"), (_("Version"), True), _("Status"), _("Standards"), _("Approval"),
                     (_("Applicable"), True), (_("Excluded"), True)],
            rows=rows,
            empty=_("No approved statement of applicability at these sites."),
        )  # fmt: skip
        records += manifest_records(statements)
    entries = list(
        _exclusions(scope)
        .select_related("statement__site", "clause__standard")
        .order_by("statement__site__code", "-statement__number", "clause__standard__code", "clause__position")[window]
    )
    html += table_html(
        title=_("Exclusions"),
        columns=[_("Site"), (_("Version"), True), _("Clause"), _("Justification")],
        rows=[
            [
                e.statement.site.code,
                e.statement.number,
                f"{e.clause.standard.code} {e.clause.number} {e.clause.title}",
                e.justification,
            ]
            for e in entries
        ],  # fmt: skip
        empty=_("No clause is excluded."),
    )
    records += manifest_records(entries)
    title = part_title(_("Exclusions"), window, len(entries)) if window.start else _("Statements of applicability")
    return SectionPart(title=title, html=html, records=records)


RENDERERS = {
    REGISTER: _render_register,
    MAPS: _render_maps,
    DIAGRAMS: _render_diagrams,
    GAPS: _render_gaps,
    RESULTS: _render_results,
    SOA: _render_soa,
}


def processes_render(scope: PackScope, key: str) -> SectionPart:
    return render_by_prefix(RENDERERS, scope, key, section="processes")


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION,
            title=TITLE,
            order=20,
            models=(
                "processes.process",
                "processes.mapdiagram",
                "processes.gapassessment",
                "processes.clauseresult",
                "processes.applicabilitystatement",
                "processes.applicabilityentry",
            ),
            parts=processes_parts,
            render=processes_render,
            description="The process register, process maps, gap assessments and statements of applicability.",
            pages=(
                ("Process register", "processes:process_list"),
                ("Process-map diagrams", "processes:mapdiagram_list"),
                ("Gap assessments", "processes:assessment_list"),
                ("Statements of applicability", "processes:statement_list"),
            ),
            period_lookups={
                "processes.gapassessment": "planned_start",
                "processes.clauseresult": "assessment__planned_start",
            },
            included=processes_included,
        )
    )
