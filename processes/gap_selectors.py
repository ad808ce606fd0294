"""Reads of gap analysis: progress of an assessment, the heatmap (site × clause group), the report's figures.

Aggregates run in SQL (``GROUP BY``), so the number of queries does not grow with sites, clauses or results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import Count, Q

from ims.access.permissions import user_sites

from .models import AssessmentStatus, ClauseResult, GapAssessment, ResultStatus, Standard

STATUS_KEYS = ("conforming", "partial", "gap", "not_applicable")


@dataclass
class Tally:
    """Counts of one group of results; ``score`` = conformity in % of the answered, applicable results
    (conforming 1, partial ½, gap 0; not applicable and unanswered left out), ``None`` when nothing counts."""

    total: int = 0
    conforming: int = 0
    partial: int = 0
    gap: int = 0
    not_applicable: int = 0

    @property
    def answered(self) -> int:
        return self.conforming + self.partial + self.gap + self.not_applicable

    @property
    def unanswered(self) -> int:
        return self.total - self.answered

    @property
    def percent_answered(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @cached_property
    def score(self) -> float | None:
        judged = self.conforming + self.partial + self.gap
        if not judged:
            return None
        return round(100 * (self.conforming + 0.5 * self.partial) / judged, 1)

    def add(self, other: Tally) -> None:
        for name in ("total", *STATUS_KEYS):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _tally_annotations(prefix: str = "") -> dict:
    status = f"{prefix}status"
    return {
        "total": Count("pk"),
        **{key: Count("pk", filter=Q(**{status: key})) for key in STATUS_KEYS},
    }


def _tally(row: dict) -> Tally:
    return Tally(**{name: row[name] for name in ("total", *STATUS_KEYS)})


def assessments_progress(assessment_ids: Sequence[int]) -> dict[int, Tally]:
    """One query for a page of assessments: their tallies by id."""
    rows = (
        ClauseResult._base_manager.filter(assessment_id__in=list(assessment_ids))
        .values("assessment_id")
        .annotate(**_tally_annotations())
    )
    return {row["assessment_id"]: _tally(row) for row in rows}


@dataclass
class Progress:
    overall: Tally
    by_standard: list[tuple[Standard, Tally]] = field(default_factory=list)
    by_site: list[tuple[object, Tally]] = field(default_factory=list)


def assessment_progress(assessment: GapAssessment) -> Progress:
    """The assessment's tallies overall, per standard and per site (two grouped queries)."""
    results = ClauseResult._base_manager.filter(assessment=assessment)
    standards = {s.pk: s for s in assessment.standards.all()}
    sites = {s.pk: s for s in assessment.sites.all()}
    overall = Tally()
    by_standard = []
    for row in results.values("clause__standard_id").annotate(**_tally_annotations()).order_by("clause__standard_id"):
        tally = _tally(row)
        overall.add(tally)
        by_standard.append((standards.get(row["clause__standard_id"]), tally))
    by_site = [
        (sites.get(row["site_id"]), _tally(row))
        for row in results.values("site_id").annotate(**_tally_annotations()).order_by("site_id")
    ]
    by_standard.sort(key=lambda pair: str(pair[0]))
    by_site.sort(key=lambda pair: pair[0].code if pair[0] else "")
    return Progress(overall=overall, by_standard=by_standard, by_site=by_site)


# --- the heatmap -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatmapColumn:
    key: int  # the top-level clause's id
    label: str  # e.g. "§4"
    title: str  # e.g. "ISO 9001 §4 Context of the organization"
    standard: str  # e.g. "ISO 9001:2015"


@dataclass(frozen=True)
class HeatmapRow:
    key: int
    label: str
    title: str


@dataclass
class Heatmap:
    rows: list[HeatmapRow]
    columns: list[HeatmapColumn]
    cells: dict[tuple[int, int], Tally]
    include_in_progress: bool = False

    def cell(self, row: int, column: int) -> Tally | None:
        return self.cells.get((row, column))


_HEATMAP_SQL = """
WITH RECURSIVE tree AS (
    SELECT c.id, c.id AS root_id FROM processes_clause c
    WHERE c.parent_id IS NULL AND c.standard_id = ANY(%(standards)s::bigint[])
    UNION ALL
    SELECT c.id, t.root_id FROM processes_clause c JOIN tree t ON c.parent_id = t.id
),
latest AS (
    SELECT DISTINCT ON (s.site_id, gs.standard_id) s.site_id, gs.standard_id, a.id AS assessment_id
    FROM processes_gapassessment a
    JOIN processes_gapassessment_sites s ON s.gapassessment_id = a.id
    JOIN processes_gapassessment_standards gs ON gs.gapassessment_id = a.id
    WHERE a.is_active AND a.status = ANY(%(statuses)s)
      AND gs.standard_id = ANY(%(standards)s::bigint[]) AND s.site_id = ANY(%(sites)s::bigint[])
    ORDER BY s.site_id, gs.standard_id, COALESCE(a.completed_at, a.started_at, a.created_at) DESC, a.id DESC
)
SELECT r.site_id, t.root_id, count(*),
       count(*) FILTER (WHERE r.status = 'conforming'),
       count(*) FILTER (WHERE r.status = 'partial'),
       count(*) FILTER (WHERE r.status = 'gap'),
       count(*) FILTER (WHERE r.status = 'not_applicable')
FROM latest l
JOIN processes_clauseresult r ON r.assessment_id = l.assessment_id AND r.site_id = l.site_id
JOIN processes_clause c ON c.id = r.clause_id AND c.standard_id = l.standard_id
JOIN tree t ON t.id = r.clause_id
GROUP BY r.site_id, t.root_id
"""


def heatmap_standards(user) -> list[Standard]:
    """The standards some visible assessment covers (the heatmap's choice), current editions first."""
    visible = GapAssessment.objects.restrict(user, "view").values("pk")
    return list(Standard.objects.filter(gap_assessments__in=visible).distinct().order_by("code", "edition"))


def heatmap(
    *,
    user,
    standards: Sequence[Standard],
    sites: Sequence | None = None,
    include_in_progress: bool = False,
) -> Heatmap:
    """Site × top-level clause of each standard; each cell tallies the results of the latest completed or
    approved assessment (or in progress, with ``include_in_progress``) of that site covering the standard."""
    from .models import Clause

    visible_sites = user_sites(user, "processes.view_gapassessment").order_by("code")
    if sites:
        visible_sites = visible_sites.filter(pk__in=[s.pk for s in sites])
    site_list = list(visible_sites.only("pk", "code", "name"))
    standard_ids = [s.pk for s in standards]
    top = (
        Clause.objects.filter(standard_id__in=standard_ids, parent__isnull=True)
        .select_related("standard")
        .order_by("standard__code", "standard__edition", "position")
    )
    columns = [
        HeatmapColumn(
            key=c.pk,
            label=f"§{c.number}",
            title=f"{c.standard.code} §{c.number} {c.title}",
            standard=str(c.standard),
        )
        for c in top
    ]
    statuses = [AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED]
    if include_in_progress:
        statuses.append(AssessmentStatus.IN_PROGRESS)
    cells: dict[tuple[int, int], Tally] = {}
    if site_list and standard_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                _HEATMAP_SQL,
                {"standards": standard_ids, "sites": [s.pk for s in site_list], "statuses": [str(s) for s in statuses]},
            )
            for site_id, root_id, total, conforming, partial, gap, na in cursor.fetchall():
                cells[(site_id, root_id)] = Tally(
                    total=total, conforming=conforming, partial=partial, gap=gap, not_applicable=na
                )
    rows = [HeatmapRow(key=s.pk, label=s.code, title=s.name) for s in site_list]
    return Heatmap(rows=rows, columns=columns, cells=cells, include_in_progress=include_in_progress)


def assessment_heatmap(assessment: GapAssessment) -> Heatmap:
    """The heatmap of one assessment's own results (for its report), whatever its status."""
    from .models import Clause

    standards = list(assessment.standards.order_by("code", "edition"))
    sites = list(assessment.sites.order_by("code"))
    top = Clause.objects.filter(standard__in=standards, parent__isnull=True).select_related("standard")
    columns = [
        HeatmapColumn(
            key=c.pk, label=f"§{c.number}", title=f"{c.standard.code} §{c.number} {c.title}", standard=str(c.standard)
        )
        for c in top.order_by("standard__code", "standard__edition", "position")
    ]
    sql = """
    WITH RECURSIVE tree AS (
        SELECT c.id, c.id AS root_id FROM processes_clause c
        WHERE c.parent_id IS NULL AND c.standard_id = ANY(%(standards)s::bigint[])
        UNION ALL
        SELECT c.id, t.root_id FROM processes_clause c JOIN tree t ON c.parent_id = t.id
    )
    SELECT r.site_id, t.root_id, count(*),
           count(*) FILTER (WHERE r.status = 'conforming'),
           count(*) FILTER (WHERE r.status = 'partial'),
           count(*) FILTER (WHERE r.status = 'gap'),
           count(*) FILTER (WHERE r.status = 'not_applicable')
    FROM processes_clauseresult r JOIN tree t ON t.id = r.clause_id
    WHERE r.assessment_id = %(assessment)s
    GROUP BY r.site_id, t.root_id
    """
    cells = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"standards": [s.pk for s in standards], "assessment": assessment.pk})
        for site_id, root_id, total, conforming, partial, gap, na in cursor.fetchall():
            cells[(site_id, root_id)] = Tally(
                total=total, conforming=conforming, partial=partial, gap=gap, not_applicable=na
            )
    rows = [HeatmapRow(key=s.pk, label=s.code, title=s.name) for s in sites]
    return Heatmap(rows=rows, columns=columns, cells=cells, include_in_progress=True)


def report_results(assessment: GapAssessment):
    """Every result of the assessment with what the report shows (one query plus two prefetches)."""
    return (
        ClauseResult._base_manager.filter(assessment=assessment)
        .select_related("site", "clause__standard", "clause__parent", "owner", "answered_by")
        .prefetch_related("evidence_documents", "evidence_processes")
        .order_by("clause__standard__code", "clause__standard__edition", "clause__position", "site__code")
    )


__all__ = [
    "Heatmap",
    "HeatmapColumn",
    "HeatmapRow",
    "Progress",
    "ResultStatus",
    "Tally",
    "assessment_heatmap",
    "assessment_progress",
    "assessments_progress",
    "heatmap",
    "heatmap_standards",
    "report_results",
]
