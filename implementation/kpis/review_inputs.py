"""Management-review input "KPI performance" (ISO 9001 9.3.2 c, 14001 9.3 d, 45001 9.3 d): each KPI measured at
the sites in the period, its latest value against target, with its small control chart, and the out-of-control
signals raised in the period with what became of them."""

from __future__ import annotations

from django.db.models import Avg, Sum
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input

from .chart_svg import chart_svg
from .control import SeriesPoint
from .models import Kpi, KpiSignal, Reading
from .selectors import chart_for

MAX_KPIS = 60


def kpi_performance(*, user, site_ids, start, end) -> ReviewSection:
    kpis = list(
        Kpi.objects.restrict(user, "view")
        .filter(sites__in=list(site_ids))
        .distinct()
        .order_by("discipline", "code")[:MAX_KPIS]
    )
    readings = (
        Reading.objects.restrict(user, "view")
        .filter(kpi__in=kpis, site_id__in=list(site_ids), is_void=False, period_start__lte=end)
        .values("kpi_id", "period_start")
        .order_by("kpi_id", "period_start")
    )
    series: dict[int, list[SeriesPoint]] = {}
    for row in readings.annotate(mean=Avg("value"), units=Sum("denominator")):
        series.setdefault(row["kpi_id"], []).append(SeriesPoint(row["period_start"], float(row["mean"]), row["units"]))
    signals = list(
        KpiSignal.objects.restrict(user, "view")
        .filter(site_id__in=list(site_ids), created_at__date__gte=start, created_at__date__lte=end)
        .select_related("kpi", "site", "reading")
        .order_by("created_at")
    )
    rows = []
    in_period = 0
    for kpi in kpis:
        points = series.get(kpi.pk, [])
        chart = chart_for(kpi, points)
        latest = next((p for p in reversed(points) if start <= p.period <= end), None)
        in_period += latest is not None
        rows.append(
            {
                "kpi": kpi,
                "latest": latest.value if latest else None,
                "svg": mark_safe(chart_svg(chart, width=240, height=70, small=True)),  # noqa: S308  (escaped text only)
            }
        )
    by_state = {
        "capa": sum(1 for s in signals if s.capa_reference),
        "dismissed": sum(1 for s in signals if s.is_dismissed),
    }
    by_state["open"] = len(signals) - by_state["capa"] - by_state["dismissed"]
    summary = _(
        "%(kpis)s KPI(s) measured, %(in_period)s with a reading in the period; %(signals)s out-of-control signal(s) "
        "(%(capa)s with a CAPA, %(dismissed)s dismissed, %(open)s open)."
    ) % {"kpis": len(kpis), "in_period": in_period, "signals": len(signals), **by_state}
    figures = {
        "kpis": len(kpis),
        "kpis_with_reading": in_period,
        "signals": len(signals),
        **{f"signals_{k}": v for k, v in by_state.items()},
    }
    html = render_to_string("kpis/review_input.html", {"rows": rows, "signals": signals})
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(
    ReviewInput(
        key="kpi_performance", label="KPI performance and out-of-control signals", order=30, collect=kpi_performance
    )
)
