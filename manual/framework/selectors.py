"""Reads of the IMS framework: the procedure register and one procedure's declarations, the monitoring plan.

Every read starts from what the user may view (``restrict``). Lists carry their related figures as subquery
annotations (clause count, standards, records, RACI), so a page runs the same queries for 1 row and for 100.
Step 5's KPI monitoring reads the plan through ``monitoring_plan_rows``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from policies.models import Responsibility
from processes.models import DocumentClause

from .models import MonitoringPlanItem, ProcedureRecord


def _count(queryset: QuerySet, group: str) -> Subquery:
    return Coalesce(
        Subquery(queryset.values(group).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def _array(queryset: QuerySet, group: str, expression) -> Subquery:
    return Subquery(queryset.values(group).annotate(a=ArrayAgg(expression, distinct=True)).values("a")[:1])


def procedure_queryset() -> QuerySet:
    """Procedures (SOPs) with their clause count, standards covered, records count, RACI roles and effective
    version, as annotations (five subqueries, whatever the number of rows)."""
    links = DocumentClause._base_manager.filter(document=OuterRef("pk"), is_active=True)
    records = ProcedureRecord._base_manager.filter(document=OuterRef("pk"), is_active=True)
    raci = Responsibility._base_manager.filter(document=OuterRef("pk")).exclude(assignment="")
    effective = DocumentVersion._base_manager.filter(document=OuterRef("pk"), status=VersionStatus.EFFECTIVE)
    return (
        ControlledDocument.objects.filter(doc_type=DocumentType.PROCEDURE)
        .select_related("owner")
        .annotate(
            clause_count=_count(links, "document"),
            standards_covered=_array(links, "document", F("clause__standard__code")),
            records_count=_count(records, "document"),
            raci_roles=_array(raci, "document", Concat(F("assignment"), Value(": "), F("role__name"))),
            effective_number=Subquery(effective.values("number")[:1]),
        )
    )


@dataclass(frozen=True)
class ClauseLine:
    standard: str
    number: str
    title: str
    note: str
    url: str


@dataclass
class ProcedureDeclarations:
    """What one procedure declares: clauses by standard, RACI, records."""

    clauses_by_standard: list[tuple[str, list[ClauseLine]]]
    raci: list[tuple[str, str]]  # (assignment, role name)
    records: list[ProcedureRecord]
    effective_number: int | None

    @property
    def clause_count(self) -> int:
        return sum(len(lines) for _standard, lines in self.clauses_by_standard)


def procedure_declarations(
    *, user, document: ControlledDocument, include_retired: bool = True
) -> ProcedureDeclarations:
    """The clauses ``document`` fulfils (grouped by standard, library order), its RACI and its records."""
    links = (
        DocumentClause.objects.restrict(user, "view")
        .filter(document=document, is_active=True)
        .select_related("clause__standard")
        .order_by("clause__standard__code", "clause__standard__edition", "clause__position")
    )
    grouped: dict[str, list[ClauseLine]] = {}
    for link in links:
        clause = link.clause
        grouped.setdefault(str(clause.standard), []).append(
            ClauseLine(str(clause.standard), clause.number, clause.title, link.note, clause.get_absolute_url())
        )
    raci = [
        (assignment, role)
        for assignment, role in Responsibility.objects.restrict(user, "view")
        .filter(document=document)
        .exclude(assignment="")
        .order_by("assignment", "role__name")
        .values_list("assignment", "role__name")
    ]
    order = {"R": 0, "A": 1, "C": 2, "I": 3}
    raci.sort(key=lambda cell: (order.get(cell[0], 9), cell[1]))
    records = ProcedureRecord.objects.restrict(user, "view").filter(document=document).select_related("form_document")
    if not include_retired:
        records = records.filter(is_active=True)
    effective = (
        DocumentVersion._base_manager.filter(document=document, status=VersionStatus.EFFECTIVE)
        .values_list("number", flat=True)
        .first()
    )
    return ProcedureDeclarations(
        clauses_by_standard=list(grouped.items()),
        raci=raci,
        records=list(records.order_by("-is_active", "name")),
        effective_number=effective,
    )


# --- Monitoring and measurement plan ------------------------------------------------------------------------


def monitoring_item_queryset() -> QuerySet:
    return MonitoringPlanItem.objects.select_related(
        "process", "objective", "objective__site", "responsible_role", "responsible_person"
    )


def monitoring_plan_rows(*, user, sites: Iterable | None = None, process=None, active: bool = True) -> QuerySet:
    """The monitoring plan ``user`` may see: active items (by default) of ``process`` or of the processes run at
    ``sites`` (any of them), ordered by process and measure, with the process, KPI, role and person loaded.

    Step 5's KPI monitoring reads this: each row names the objective whose KPI is measured, how often and by whom.
    """
    rows = monitoring_item_queryset().restrict(user, "view")
    if active:
        rows = rows.filter(is_active=True)
    if process is not None:
        rows = rows.filter(process=process)
    if sites is not None:
        site_ids = [getattr(site, "pk", site) for site in sites]
        through = MonitoringPlanItem._meta.get_field("process").related_model.sites.through
        rows = rows.filter(process__in=through.objects.filter(site_id__in=site_ids).values("process_id"))
    return rows.order_by("process__code", "measure", "pk")
