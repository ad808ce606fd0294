"""Computed KPIs of step 6 on CAPAs, per site, each in one grouped query for all sites asked:

- overdue CAPAs: open at the end of the period and past their target date;
- CAPA on-time rate: of the CAPAs closed in the period, the share closed by their target date (p-chart);
- effectiveness pass rate: of the effectiveness checks evaluated in the period, the share passed (p-chart).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q

from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source

from .choices import CapaState, CheckStatus
from .models import Capa, EffectivenessCheck


def _day_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=1)


def capa_overdue(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    open_at_end = Q(closed_at__isnull=True) | Q(closed_at__date__gt=end)
    rows = (
        Capa._base_manager.filter(site_id__in=list(site_ids), opened_at__date__lte=end, due_date__lt=end)
        .filter(open_at_end)
        .order_by()
        .values("site_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["site_id"]: row["n"] for row in rows}
    # A site with CAPAs but none overdue measures 0; a site that never had one measures nothing.
    having = set(Capa._base_manager.filter(site_id__in=list(site_ids)).values_list("site_id", flat=True).distinct())
    return {site_id: SourceValue(float(counts.get(site_id, 0))) for site_id in having}


def capa_on_time_rate(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    rows = (
        Capa._base_manager.filter(
            site_id__in=list(site_ids), state=CapaState.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end
        )
        .order_by()
        .values("site_id")
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(due_date__isnull=True) | Q(closed_at__date__lte=F("due_date"))),
        )
    )
    return {
        r["site_id"]: SourceValue(round(100.0 * r["on_time"] / r["total"], 2), r["total"]) for r in rows if r["total"]
    }


def effectiveness_pass_rate(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    rows = (
        EffectivenessCheck._base_manager.filter(
            capa__site_id__in=list(site_ids),
            status__in=[CheckStatus.PASSED, CheckStatus.FAILED],
            evaluated_at__date__gte=start,
            evaluated_at__date__lte=end,
        )
        .order_by()
        .values("capa__site_id")
        .annotate(total=Count("pk"), passed=Count("pk", filter=Q(status=CheckStatus.PASSED)))
    )
    return {
        r["capa__site_id"]: SourceValue(round(100.0 * r["passed"] / r["total"], 2), r["total"])
        for r in rows
        if r["total"]
    }


register_source(
    KpiSource(key="capa_overdue", label="Overdue CAPAs", unit="CAPAs", direction="lower", compute=capa_overdue,
              description="CAPAs open at the end of the period and past their target date.", discipline="quality")
)  # fmt: skip
register_source(
    KpiSource(key="capa_on_time_rate", label="CAPA on-time rate", unit="%", direction="higher",
              compute=capa_on_time_rate, description="Share of the CAPAs closed in the period by their target date.",
              discipline="quality")
)  # fmt: skip
register_source(
    KpiSource(key="effectiveness_pass_rate", label="Effectiveness pass rate", unit="%", direction="higher",
              compute=effectiveness_pass_rate,
              description="Share of the CAPA effectiveness checks evaluated in the period that passed.",
              discipline="quality")
)  # fmt: skip
