"""Reads of the KPI app: series, control charts and the dashboard, a few queries each (never one per row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, QuerySet, Sum

from .choices import Discipline
from .control import ControlChart, SeriesPoint, control_chart
from .models import Kpi, KpiSignal, Reading


def kpis_visible(user) -> QuerySet:
    return Kpi.objects.restrict(user, "view").select_related("owner")


def series_by_site(
    kpi: Kpi, *, site_ids: list[int] | None = None, readings: QuerySet | None = None
) -> dict[int, list[SeriesPoint]]:
    """Valid readings of ``kpi`` by site, in period order (one query)."""
    rows = (readings if readings is not None else Reading._base_manager.all()).filter(kpi=kpi, is_void=False)
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    out: dict[int, list[SeriesPoint]] = defaultdict(list)
    for pk, site_id, start, value, denominator in rows.order_by("site_id", "period_start").values_list(
        "pk", "site_id", "period_start", "value", "denominator"
    ):
        out[site_id].append(SeriesPoint(period=start, value=float(value), denominator=denominator, reading_id=pk))
    return out


def chart_for(kpi: Kpi, points: list[SeriesPoint], *, title: str = "") -> ControlChart:
    return control_chart(
        points, baseline_start=kpi.baseline_start, baseline_end=kpi.baseline_end, percent=kpi.unit.strip() == "%",
        unit=kpi.unit, title=title or str(kpi),
    )  # fmt: skip


def kpi_charts(*, user, kpi: Kpi) -> list[tuple[object, ControlChart]]:
    """(site, chart) for each of the KPI's sites the user may see (two queries)."""
    sites = list(kpi.sites.restrict(user, "view").order_by("code"))
    readings = Reading.objects.restrict(user, "view")
    series = series_by_site(kpi, site_ids=[s.pk for s in sites], readings=readings)
    return [(site, chart_for(kpi, series.get(site.pk, []), title=f"{kpi.code} at {site.code}")) for site in sites]


@dataclass
class DashboardTile:
    kpi: Kpi
    scope_label: str
    chart: ControlChart
    latest: float | None
    open_signals: int


def dashboard(*, user, site=None, per_discipline: int = 12) -> dict[str, list[DashboardTile]]:
    """Quality, environment and safety KPIs side by side, one small chart each: the KPI at ``site``, or company-wide
    the mean of the visible sites per period (Σ units for a proportion). Three queries whatever the size."""
    kpis = kpis_visible(user).active()
    readings = Reading.objects.restrict(user, "view").filter(is_void=False)
    signals = KpiSignal.objects.restrict(user, "view").filter(capa_reference="", is_dismissed=False)
    if site is not None:
        readings = readings.filter(site=site)
        signals = signals.filter(site=site)
        kpis = kpis.filter(sites=site)
    chosen: dict[str, list[Kpi]] = {d: [] for d in Discipline.values}
    for kpi in kpis.order_by("discipline", "code"):
        bucket = chosen.setdefault(kpi.discipline, [])
        if len(bucket) < per_discipline:
            bucket.append(kpi)
    ids = [k.pk for bucket in chosen.values() for k in bucket]
    rows = (
        readings.filter(kpi_id__in=ids)
        .values("kpi_id", "period_start")
        .annotate(mean=Avg("value"), units=Sum("denominator"), n=Count("id"), with_units=Count("denominator"))
        .order_by("kpi_id", "period_start")
    )
    series: dict[int, list[SeriesPoint]] = defaultdict(list)
    for row in rows:
        units = row["units"] if row["with_units"] == row["n"] and row["units"] else None
        series[row["kpi_id"]].append(SeriesPoint(row["period_start"], float(row["mean"]), units))
    open_signals = dict(signals.filter(kpi_id__in=ids).values_list("kpi_id").annotate(c=Count("id")).order_by())
    label = site.code if site is not None else "all sites"
    tiles: dict[str, list[DashboardTile]] = {}
    for discipline, bucket in chosen.items():
        tiles[discipline] = []
        for kpi in bucket:
            chart = chart_for(kpi, series.get(kpi.pk, []))
            tiles[discipline].append(
                DashboardTile(
                    kpi=kpi,
                    scope_label=label,
                    chart=chart,
                    latest=chart.points[-1].value if chart.points else None,
                    open_signals=open_signals.get(kpi.pk, 0),
                )  # fmt: skip
            )
    return tiles
