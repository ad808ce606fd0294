"""Computed KPI of step 1: acknowledgement coverage — the share of live acknowledgement tasks signed, per site.

Counts the tasks of effective versions (the coverage rule of ``policies.coverage``) for every site asked in one query;
the denominator is the number of tasks, so the KPI is drawn as a p-chart.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source

from .coverage import live_tasks
from .models import Acknowledgement, AcknowledgementStatus


def acknowledgement_coverage(
    *, site_ids: list[int], start: datetime.date, end: datetime.date
) -> dict[int, SourceValue]:
    rows = (
        live_tasks(Acknowledgement._base_manager.filter(site_id__in=list(site_ids)))
        .order_by()
        .values("site_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=AcknowledgementStatus.ACKNOWLEDGED)))
    )
    return {
        row["site_id"]: SourceValue(round(100.0 * row["done"] / row["total"], 2), row["total"])
        for row in rows
        if row["total"]
    }


register_source(
    KpiSource(
        key="acknowledgement_coverage",
        label="Acknowledgement coverage",
        unit="%",
        direction="higher",
        compute=acknowledgement_coverage,
        description="Share of the site's acknowledgement tasks of effective documents that are signed.",
    )
)
