"""Reads of the register: the list, heat maps per site and discipline, top risks, significant aspects, overdue
reviews and obligations due. Every read starts from ``restrict(user, "view")`` and runs a fixed number of
queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from ims.org.models import Site

from .choices import Band, Discipline, EntryKind
from .models import ComplianceEvaluation, Control, Obligation, RiskEntry, ScoringMethod
from .scoring import methods

BAND_RANK = Case(
    When(residual_band=Band.HIGH, then=Value(2)),
    When(residual_band=Band.MEDIUM, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)
RANK_BAND = {2: Band.HIGH, 1: Band.MEDIUM, 0: Band.LOW}


def entry_queryset() -> QuerySet:
    """What a list row shows, without a query per row."""
    return RiskEntry.objects.select_related("site", "process", "owner")


def entry_controls(*, user, entry: RiskEntry) -> list[Control]:
    return list(
        Control.objects.restrict(user, "view")
        .filter(entry=entry)
        .select_related("procedure", "course", "capa")
        .order_by("-is_active", "pk")
    )


# --- Heat map ------------------------------------------------------------------------------------------------


@dataclass
class HeatGrid:
    """One site's entries of one discipline counted by (severity, likelihood)."""

    site_code: str
    site_name: str
    discipline: str
    method: ScoringMethod
    basis: str = "residual"
    counts: dict[tuple[int, int], int] = field(default_factory=dict)
    worst: dict[tuple[int, int], str] = field(default_factory=dict)
    #: The sum of several sites' grids (``heatmap_combined``), not one site's.
    combined: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def discipline_label(self) -> str:
        return str(Discipline(self.discipline).label)

    def background(self, severity: int, likelihood: int) -> str:
        """The band of the position itself (for RPN: at the middle of the detectability scale)."""
        method = self.method
        score = severity * likelihood
        if method.uses_detectability:
            score *= (method.detectability_max + 1) // 2
        return method.band(score)


def heatmap_combined(grids: list[HeatGrid], *, label: str) -> list[HeatGrid]:
    """One grid per discipline summing the sites' grids: the company view before the sites' own."""
    rank = {band: r for r, band in RANK_BAND.items()}
    combined: dict[str, HeatGrid] = {}
    for grid in grids:
        total = combined.get(grid.discipline)
        if total is None:
            total = combined[grid.discipline] = HeatGrid(
                label, label, grid.discipline, grid.method, grid.basis, combined=True
            )
        for cell, count in grid.counts.items():
            total.counts[cell] = total.counts.get(cell, 0) + count
            worst = grid.worst.get(cell, Band.LOW)
            if rank[worst] > rank[total.worst.get(cell, Band.LOW)]:
                total.worst[cell] = worst
            else:
                total.worst.setdefault(cell, worst)
    return list(combined.values())


def heatmap_grids(
    *, user, sites: QuerySet | list | None = None, disciplines: list[str] | None = None, basis: str = "residual"
) -> list[HeatGrid]:
    """A grid per visible site × discipline (two queries: the methods and one grouped count)."""
    basis = "inherent" if basis == "inherent" else "residual"
    disciplines = disciplines or [d.value for d in Discipline]
    by_discipline = methods()
    entries = RiskEntry.objects.restrict(user, "view").filter(is_active=True, discipline__in=disciplines)
    if sites is not None:
        entries = entries.filter(site__in=sites)
    band_rank = Case(
        When(**{f"{basis}_band": Band.HIGH}, then=Value(2)),
        When(**{f"{basis}_band": Band.MEDIUM}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        entries.values("site__code", "site__name", "discipline", f"{basis}_severity", f"{basis}_likelihood")
        .annotate(n=Count("pk"), worst=Max(band_rank))
        .order_by("site__code", "discipline")
    )
    grids: dict[tuple[str, str], HeatGrid] = {}
    if sites is not None:
        for site in sites if isinstance(sites, list) else sites.order_by("code"):
            for discipline in disciplines:
                if discipline in by_discipline:
                    grids[(site.code, discipline)] = HeatGrid(
                        site.code, site.name, discipline, by_discipline[discipline], basis
                    )
    for row in rows:
        key = (row["site__code"], row["discipline"])
        grid = grids.get(key)
        if grid is None:
            grid = grids[key] = HeatGrid(row["site__code"], row["site__name"], row["discipline"],
                                         by_discipline[row["discipline"]], basis)  # fmt: skip
        cell = (row[f"{basis}_severity"], row[f"{basis}_likelihood"])
        grid.counts[cell] = grid.counts.get(cell, 0) + row["n"]
        grid.worst[cell] = RANK_BAND[row["worst"]]
    order = {d: i for i, d in enumerate(disciplines)}
    return sorted(grids.values(), key=lambda g: (g.site_code, order.get(g.discipline, 9)))


# --- Lists ---------------------------------------------------------------------------------------------------


def top_risks(*, user, sites=None, per_site: int = 5) -> list[RiskEntry]:
    """The ``per_site`` highest residual risks of each visible site (one query, a window function)."""
    entries = RiskEntry.objects.restrict(user, "view").filter(is_active=True)
    if sites is not None:
        entries = entries.filter(site__in=sites)
    ranked = (
        entries.select_related("site", "process", "owner")
        .annotate(
            band_rank=BAND_RANK,
            position=Window(
                RowNumber(),
                partition_by=[F("site_id")],
                order_by=[BAND_RANK.desc(), F("residual_score").desc(), F("reference").asc()],
            ),
        )  # fmt: skip
        .filter(position__lte=per_site)
        .order_by("site__code", "position")
    )
    return list(ranked)


def significant_aspects(*, user, sites=None) -> QuerySet:
    entries = RiskEntry.objects.restrict(user, "view").filter(
        is_active=True, kind=EntryKind.ENVIRONMENTAL_ASPECT, is_significant=True
    )
    if sites is not None:
        entries = entries.filter(site__in=sites)
    return entries.select_related("site", "process", "owner").order_by("site__code", "-inherent_score", "reference")


def overdue_reviews(*, user, sites=None, today: datetime.date | None = None) -> QuerySet:
    entries = RiskEntry.objects.restrict(user, "view").overdue(today)
    if sites is not None:
        entries = entries.filter(site__in=sites)
    return entries.select_related("site", "process", "owner").order_by("review_date", "reference")


def with_last_evaluation(obligations: QuerySet, *, user) -> QuerySet:
    """Annotate the latest evaluation the user may see: date, result and site (three subqueries, one query)."""
    latest = (
        ComplianceEvaluation.objects.restrict(user, "view")
        .filter(obligation=OuterRef("pk"))
        .order_by("-evaluated_on", "-pk")
    )
    return obligations.annotate(
        last_evaluated_on=Subquery(latest.values("evaluated_on")[:1]),
        last_result=Subquery(latest.values("result")[:1]),
        last_site_code=Subquery(latest.values("site__code")[:1]),
    )


def obligation_queryset() -> QuerySet:
    return Obligation.objects.select_related("owner", "clause__standard").prefetch_related(
        Prefetch("sites", Site.objects.order_by("code"))
    )


def obligations_for(*, user, sites=None) -> QuerySet:
    obligations = obligation_queryset().restrict(user, "view").filter(is_active=True)
    if sites is not None:
        obligations = obligations.filter(pk__in=Obligation._base_manager.filter(sites__in=sites).values("pk"))
    return with_last_evaluation(obligations, user=user).order_by("next_evaluation", "title")


def obligations_due(*, user, within_days: int = 30, today: datetime.date | None = None) -> QuerySet:
    obligations = obligation_queryset().restrict(user, "view").due(today, within_days=within_days)
    return with_last_evaluation(obligations, user=user).order_by("next_evaluation", "title")


def obligation_evaluations(*, user, obligation: Obligation) -> list[ComplianceEvaluation]:
    return list(
        ComplianceEvaluation.objects.restrict(user, "view")
        .filter(obligation=obligation)
        .select_related("site", "evaluated_by", "evidence_document")
        .order_by("-evaluated_on", "-pk")
    )


def visible_sites(*, user) -> QuerySet:
    return Site.objects.restrict(user, "view").filter(is_active=True).order_by("code")


def today() -> datetime.date:
    return timezone.localdate()
