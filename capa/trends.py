"""CAPA trend metrics: cycle time (open → closed, median and mean by quarter), on-time % of actions, the
effectiveness pass rate, and open CAPAs by age per site.

Each metric is one set-based SQL aggregate over the CAPAs the user may see (the kernel's ``restrict()`` as a
subquery), so the number of queries does not grow with the number of CAPAs. The same SVG charts appear on the
page and in the PDF; the CSV holds the same figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.documents.pdf import LockedURLFetcher
from ims.web.exports import SafeCsvWriter

from .charts import bar_chart
from .choices import ActionStatus, CapaState, CheckStatus
from .models import Capa

AGE_BUCKETS = ("0–30", "31–90", "91–180", ">180")


@dataclass
class Trends:
    cycle: list[dict] = field(default_factory=list)  # quarter, closed, median_days, mean_days
    on_time: list[dict] = field(default_factory=list)  # quarter, done, on_time, percent
    effectiveness: list[dict] = field(default_factory=list)  # quarter, evaluated, passed, percent
    ages: list[dict] = field(default_factory=list)  # site, buckets (4 counts), total
    on: datetime.date | None = None


def _visible(user, site_id: int | None) -> tuple[str, list]:
    capas = Capa.objects.restrict(user, "view")
    if site_id:
        capas = capas.filter(site_id=site_id)
    try:
        sql, params = capas.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # no site to see: nothing to count
        return "", []
    return sql, list(params)


def _quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def capa_trends(*, user, site_id: int | None = None, on: datetime.date | None = None) -> Trends:
    on = on or timezone.localdate()
    visible, params = _visible(user, site_id)
    trends = Trends(on=on)
    if not visible:
        return trends
    days = "EXTRACT(EPOCH FROM (c.closed_at - c.opened_at)) / 86400.0"
    for quarter, closed, median, mean in _rows(
        f"SELECT date_trunc('quarter', c.closed_at)::date, count(*), "  # noqa: S608 - the scope subquery is compiled by the ORM; values are parameters
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), avg({days}) "
        f"FROM capa_capa c WHERE c.state = %s AND c.id IN ({visible}) GROUP BY 1 ORDER BY 1",
        [CapaState.CLOSED, *params],
    ):
        trends.cycle.append(
            {
                "quarter": _quarter(quarter),
                "closed": closed,
                "median_days": round(median, 1),
                "mean_days": round(float(mean), 1),
            }
        )
    for quarter, done, on_time in _rows(
        "SELECT date_trunc('quarter', a.due_date)::date, count(*), "  # noqa: S608 - the scope subquery is compiled by the ORM; values are parameters
        "count(*) FILTER (WHERE (a.done_at AT TIME ZONE 'UTC')::date <= a.due_date) "
        f"FROM capa_capaaction a WHERE a.status = %s AND a.capa_id IN ({visible}) GROUP BY 1 ORDER BY 1",
        [ActionStatus.DONE, *params],
    ):
        trends.on_time.append(
            {"quarter": _quarter(quarter), "done": done, "on_time": on_time, "percent": _percent(on_time, done)}
        )
    for quarter, evaluated, passed in _rows(
        "SELECT date_trunc('quarter', k.evaluated_at)::date, count(*), count(*) FILTER (WHERE k.status = %s) "  # noqa: S608 - the scope subquery is compiled by the ORM; values are parameters
        f"FROM capa_effectivenesscheck k WHERE k.status IN (%s, %s) AND k.capa_id IN ({visible}) "
        "GROUP BY 1 ORDER BY 1",
        [CheckStatus.PASSED, CheckStatus.PASSED, CheckStatus.FAILED, *params],
    ):
        trends.effectiveness.append(
            {
                "quarter": _quarter(quarter),
                "evaluated": evaluated,
                "passed": passed,
                "percent": _percent(passed, evaluated),
            }
        )
    age = "(%s::date - (c.opened_at AT TIME ZONE 'UTC')::date)"
    for code, b1, b2, b3, b4 in _rows(
        f"SELECT s.code, count(*) FILTER (WHERE {age} <= 30), "  # noqa: S608 - the scope subquery is compiled by the ORM; values are parameters
        f"count(*) FILTER (WHERE {age} BETWEEN 31 AND 90), count(*) FILTER (WHERE {age} BETWEEN 91 AND 180), "
        f"count(*) FILTER (WHERE {age} > 180) "
        "FROM capa_capa c JOIN org_site s ON s.id = c.site_id "
        f"WHERE c.state <> %s AND c.id IN ({visible}) GROUP BY s.code ORDER BY s.code",
        [on, on, on, on, CapaState.CLOSED, *params],
    ):
        trends.ages.append({"site": code, "buckets": [b1, b2, b3, b4], "total": b1 + b2 + b3 + b4})
    return trends


def trend_charts(data: Trends) -> dict:
    return {
        "cycle": bar_chart(
            [(r["quarter"], [r["median_days"], r["mean_days"]]) for r in data.cycle],
            title=_("CAPA cycle time (days, open → closed)"), series=(_("median"), _("mean")), unit=" d",
        ),
        "on_time": bar_chart(
            [(r["quarter"], [r["percent"]]) for r in data.on_time], title=_("Actions done on time (%)"), unit=" %",
            top=100,
        ),
        "effectiveness": bar_chart(
            [(r["quarter"], [r["percent"]]) for r in data.effectiveness],
            title=_("Effectiveness checks passed (%)"), unit=" %", top=100,
        ),
        "ages": bar_chart(
            [(r["site"], r["buckets"]) for r in data.ages[:40]], title=_("Open CAPAs by age (days) per site"),
            series=AGE_BUCKETS,
        ),
    }  # fmt: skip


def trends_csv(data: Trends) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="capa-trends.csv"'
    writer = SafeCsvWriter(response)
    writer.writerow(["metric", "period_or_site", "count", "value_1", "value_2"])
    for r in data.cycle:
        writer.writerow(["cycle_time_days", r["quarter"], r["closed"], r["median_days"], r["mean_days"]])
    for r in data.on_time:
        writer.writerow(["actions_on_time_percent", r["quarter"], r["done"], r["percent"], r["on_time"]])
    for r in data.effectiveness:
        writer.writerow(["effectiveness_pass_percent", r["quarter"], r["evaluated"], r["percent"], r["passed"]])
    for r in data.ages:
        for label, count in zip(AGE_BUCKETS, r["buckets"], strict=True):
            writer.writerow(["open_by_age", r["site"], count, label, ""])
    return response


def trends_pdf(data: Trends) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "capa/trends_pdf.html", {"data": data, "charts": trend_charts(data), "buckets": AGE_BUCKETS}
    )
    return HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()
