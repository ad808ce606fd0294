"""Readiness criteria of step 2: the site's processes mapped with effective maps, and its gap assessment approved
with no old gap left without an action. Each answers for every site asked in one or two queries."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion
from ims.indicators.readiness import CriterionValue, ReadinessCriterion, register_criterion

from .models import ClauseResult, GapAssessment, Process
from .models.gaps import AssessmentStatus, ResultStatus

#: A gap open longer than this without a raised action fails the criterion (the plan's threshold overrides it).
GAP_ACTION_DAYS = 30


def processes_mapped(*, site_ids: list[int], on: datetime.date, threshold: float | None) -> dict[int, CriterionValue]:
    threshold = 100.0 if threshold is None else threshold
    effective_map = DocumentVersion.objects.filter(
        document_id=OuterRef("process__map_document_id"), status=VersionStatus.EFFECTIVE
    )
    rows = (
        Process.sites.through.objects.filter(site_id__in=list(site_ids), process__is_active=True)
        .annotate(effective=Exists(effective_map))
        .values("site_id")
        .annotate(total=Count("pk"), mapped=Count("pk", filter=Q(effective=True)))
    )
    counts = {row["site_id"]: (row["mapped"], row["total"]) for row in rows}
    url = reverse("processes:map_list")
    out = {}
    for site_id in site_ids:
        mapped, total = counts.get(site_id, (0, 0))
        if not total:
            out[site_id] = CriterionValue(None, False, "No process is registered at this site yet.", url)
            continue
        percent = round(100.0 * mapped / total, 1)
        out[site_id] = CriterionValue(
            percent, percent >= threshold, f"{mapped} of {total} processes have an effective map ({percent:g} %).", url
        )
    return out


def gaps_assessed(*, site_ids: list[int], on: datetime.date, threshold: float | None) -> dict[int, CriterionValue]:
    """Passes when an approved assessment covers the site and none of its gaps is older than ``threshold`` days
    (default ``GAP_ACTION_DAYS``) without an action; the value is the number of such gaps."""
    days = int(GAP_ACTION_DAYS if threshold is None else threshold)
    cutoff = on - datetime.timedelta(days=days)
    approved = set(
        GapAssessment.sites.through.objects.filter(
            site_id__in=list(site_ids), gapassessment__status=AssessmentStatus.APPROVED,
            gapassessment__is_active=True,
        ).values_list("site_id", flat=True)
    )  # fmt: skip
    stale = dict(
        ClauseResult.objects.filter(
            site_id__in=list(site_ids),
            status=ResultStatus.GAP,
            action_ref="",
            answered_at__date__lt=cutoff,
            assessment__status=AssessmentStatus.APPROVED,
            assessment__is_active=True,
        )
        .order_by()
        .values("site_id")
        .annotate(n=Count("pk"))
        .values_list("site_id", "n")
    )
    url = reverse("processes:assessment_list")
    out = {}
    for site_id in site_ids:
        if site_id not in approved:
            out[site_id] = CriterionValue(None, False, "No approved gap assessment covers this site yet.", url)
            continue
        n = stale.get(site_id, 0)
        detail = (
            f"Gap assessment approved; {n} gap(s) open more than {days} days without an action."
            if n
            else f"Gap assessment approved; no gap open more than {days} days without an action."
        )
        out[site_id] = CriterionValue(float(n), n == 0, detail, url)
    return out


register_criterion(
    ReadinessCriterion(
        key="processes_mapped",
        label="Processes mapped, maps effective",
        step=2,
        evaluate=processes_mapped,
        description="Share of the site's active processes whose map has an effective version.",
        threshold=100.0,
        unit="%",
    )
)
register_criterion(
    ReadinessCriterion(
        key="gaps_assessed",
        label="Gap assessment approved, gaps actioned",
        step=2,
        evaluate=gaps_assessed,
        description="An approved gap assessment covers the site and no gap is open longer than N days "
        "(the threshold) without an action.",
        threshold=float(GAP_ACTION_DAYS),
        unit="days",
    )
)
