"""Computed KPI of step 3: risk reviews overdue — active risk and opportunity entries whose next review date has
passed at the end of the period, per site (one grouped query for all sites asked)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source

from .models import RiskEntry


def risk_reviews_overdue(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    rows = (
        RiskEntry._base_manager.filter(site_id__in=list(site_ids), is_active=True)
        .order_by()
        .values("site_id")
        .annotate(overdue=Count("pk", filter=Q(review_date__lt=end)))
    )
    return {row["site_id"]: SourceValue(float(row["overdue"])) for row in rows}


register_source(
    KpiSource(
        key="risk_reviews_overdue",
        label="Risk reviews overdue",
        unit="entries",
        direction="lower",
        compute=risk_reviews_overdue,
        description="Active risk and opportunity entries past their next review date at the end of the period.",
    )
)
