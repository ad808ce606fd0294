"""Reads of internal audits: recurrences (for CAPA), the auditor's own audits, the calendar and the trends.

Every aggregate is one set-based SQL statement (``GROUP BY`` in the database), so the number of queries does not
grow with the number of findings; every read that serves a page starts from ``restrict(user, "view")``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear

from .choices import AuditStatus, FindingGrade, FindingStatus
from .models import Audit, Finding


def finding_recurrences(
    *,
    site_id: int,
    clause_id: int | None,
    process_id: int | None,
    since: datetime.date,
    until: datetime.date,
    exclude_finding_ids: Iterable[int] = (),
) -> int:
    """How many findings (not cancelled) at the site on that clause and process were raised in [since, until].

    ``None`` for the clause or the process means "no clause" / "no process" (``IS NULL``), not "any"."""
    findings = Finding._base_manager.filter(site_id=site_id, raised_on__gte=since, raised_on__lte=until).exclude(
        status=FindingStatus.CANCELLED
    )
    findings = findings.filter(clause__isnull=True) if clause_id is None else findings.filter(clause_id=clause_id)
    findings = findings.filter(process__isnull=True) if process_id is None else findings.filter(process_id=process_id)
    excluded = [int(pk) for pk in exclude_finding_ids]
    if excluded:
        findings = findings.exclude(pk__in=excluded)
    return findings.count()


def my_open_audits(*, person) -> QuerySet:
    """Planned and running audits where ``person`` is the lead auditor or a co-auditor, soonest first."""
    if not getattr(person, "pk", None):
        return Audit.objects.none()
    return (
        Audit._base_manager.filter(Q(lead_auditor=person) | Q(auditors=person))
        .filter(status__in=(AuditStatus.PLANNED, AuditStatus.IN_PROGRESS))
        .select_related("site")
        .distinct()
        .order_by("planned_date", "pk")
    )


def my_reports_to_acknowledge(*, person) -> QuerySet:
    """Completed audits whose report waits for ``person``'s acknowledgement as an auditee."""
    if not getattr(person, "pk", None):
        return Audit.objects.none()
    return (
        Audit._base_manager.filter(auditees=person, status=AuditStatus.COMPLETED)
        .select_related("site")
        .order_by("completed_at", "pk")
    )


# --- calendar --------------------------------------------------------------------------------------------------


@dataclass
class CalendarPeriod:
    start: datetime.date
    end: datetime.date
    view: str  # "month" or "quarter"

    @property
    def label(self) -> str:
        if self.view == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.start.strftime("%B %Y")

    def shifted(self, steps: int) -> CalendarPeriod:
        months = 3 if self.view == "quarter" else 1
        return calendar_period(view=self.view, on=_add_months(self.start, months * steps))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def calendar_period(*, view: str, on: datetime.date) -> CalendarPeriod:
    if view == "quarter":
        start = datetime.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        return CalendarPeriod(start, _add_months(start, 3) - datetime.timedelta(days=1), "quarter")
    start = datetime.date(on.year, on.month, 1)
    return CalendarPeriod(start, _add_months(start, 1) - datetime.timedelta(days=1), "month")


CALENDAR_LIMIT = 2000


def calendar_audits(*, user, period: CalendarPeriod, site_ids: Iterable[int] = ()) -> list[Audit]:
    """The audits of the user's sites planned in the period (one query, bounded), by date."""
    audits = (
        Audit.objects.restrict(user, "view")
        .filter(planned_date__gte=period.start, planned_date__lte=period.end)
        .select_related("site", "lead_auditor")
        .only(
            "reference",
            "title",
            "status",
            "planned_date",
            "site__code",
            "site__name",
            "lead_auditor__first_name",
            "lead_auditor__last_name",
            "lead_auditor__username",
        )  # fmt: skip
        .order_by("planned_date", "site__code", "pk")
    )
    site_ids = [int(s) for s in site_ids]
    if site_ids:
        audits = audits.filter(site_id__in=site_ids)
    return list(audits[:CALENDAR_LIMIT])


def calendar_weeks(period: CalendarPeriod, audits: list[Audit]) -> list[list[dict]]:
    """Weeks (Monday first) of the period, each day with its audits; days outside the period are blank."""
    by_day: dict[datetime.date, list[Audit]] = {}
    for audit in audits:
        by_day.setdefault(audit.planned_date, []).append(audit)
    first = period.start - datetime.timedelta(days=period.start.weekday())
    weeks, day = [], first
    while day <= period.end:
        week = []
        for _n in range(7):
            inside = period.start <= day <= period.end
            week.append({"day": day, "inside": inside, "audits": by_day.get(day, []) if inside else []})
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return weeks


# --- trends ----------------------------------------------------------------------------------------------------


@dataclass
class Trends:
    total: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)
    pareto: list[dict] = field(default_factory=list)  # clause rows, most findings first, with cumulative %
    by_quarter: list[dict] = field(default_factory=list)  # {"quarter": "2026 Q1", grade: n, …}
    by_process: list[dict] = field(default_factory=list)
    by_site: list[dict] = field(default_factory=list)
    recurring: list[dict] = field(default_factory=list)  # clauses with findings in ≥ 2 quarters or audits


def trend_findings(
    *,
    user,
    site_ids: Iterable[int] = (),
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    grades: Iterable[str] = (),
    standard_id: int | None = None,
) -> QuerySet:
    findings = Finding.objects.restrict(user, "view").exclude(status=FindingStatus.CANCELLED)
    site_ids = [int(s) for s in site_ids]
    if site_ids:
        findings = findings.filter(site_id__in=site_ids)
    if since:
        findings = findings.filter(raised_on__gte=since)
    if until:
        findings = findings.filter(raised_on__lte=until)
    grades = [g for g in grades if g in FindingGrade.values]
    if grades:
        findings = findings.filter(grade__in=grades)
    if standard_id:
        findings = findings.filter(clause__standard_id=standard_id)
    return findings


PARETO_LIMIT = 20
TABLE_LIMIT = 50


_BY_CLAUSE = """
SELECT t.clause_id, SUM(t.n)::int, COUNT(DISTINCT t.yq), COUNT(DISTINCT t.audit_id)
FROM (
    SELECT f.clause_id, f.audit_id,
           EXTRACT(YEAR FROM f.raised_on)::int * 10 + EXTRACT(QUARTER FROM f.raised_on)::int AS yq, COUNT(*) AS n
    FROM ({findings}) f
    GROUP BY 1, 2, 3
) t
GROUP BY t.clause_id
ORDER BY 2 DESC, 1
"""


def _by_clause(findings: QuerySet) -> list[dict]:
    """Per clause: findings, distinct quarters and distinct audits — grouped first by (clause, audit, quarter), so
    the distinct counts run over a few thousand groups, not every finding; then the labels of the clauses shown."""
    from processes.models import Clause

    sql, params = findings.values("clause_id", "audit_id", "raised_on").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_BY_CLAUSE.format(findings=sql), params)
        counted = cursor.fetchall()
    shown = [row for index, row in enumerate(counted) if index < PARETO_LIMIT or row[2] >= 2 or row[3] >= 2]
    shown = shown[: PARETO_LIMIT + TABLE_LIMIT]
    labels = {
        c.pk: (f"{c.standard.code} {c.number}", c.title)
        for c in Clause.objects.filter(pk__in=[row[0] for row in shown if row[0]]).select_related("standard")
    }
    return [
        {
            "clause_id": clause_id,
            "label": labels.get(clause_id, ("—", ""))[0],
            "title": labels.get(clause_id, ("—", ""))[1],
            "n": n,
            "quarters": quarters,
            "audits": audits,
        }
        for clause_id, n, quarters, audits in shown
    ]


def finding_trends(**filters) -> Trends:
    """Findings by quarter × grade (and so by grade), clause (Pareto and recurring clauses), process and site: four
    aggregates and one lookup of the clause labels, whatever the number of findings."""
    findings = trend_findings(**filters).order_by()
    trends = Trends()
    quarters: dict[str, dict] = {}
    for row in (
        findings.annotate(y=ExtractYear("raised_on"), q=ExtractQuarter("raised_on"))
        .values("y", "q", "grade")
        .annotate(n=Count("pk"))
        .order_by("y", "q")
    ):
        key = f"{row['y']} Q{row['q']}"
        quarters.setdefault(key, {"quarter": key, **{g: 0 for g in FindingGrade.values}})[row["grade"]] = row["n"]
        trends.by_grade[row["grade"]] = trends.by_grade.get(row["grade"], 0) + row["n"]
    trends.by_quarter = list(quarters.values())
    trends.total = sum(trends.by_grade.values())
    clause_rows = _by_clause(findings)
    running = 0
    for row in clause_rows[:PARETO_LIMIT]:
        running += row["n"]
        trends.pareto.append(
            {
                "label": row["label"],
                "title": row["title"],
                "clause_id": row["clause_id"],
                "count": row["n"],
                "cumulative": round(100 * running / trends.total, 1) if trends.total else 0,
            }
        )
    trends.recurring = [
        {"label": row["label"], "title": row["title"], "count": row["n"], "quarters": row["quarters"],
         "audits": row["audits"]}
        for row in clause_rows
        if row["quarters"] >= 2 or row["audits"] >= 2
    ][:TABLE_LIMIT]  # fmt: skip
    trends.by_process = [
        {"label": f"{r['process__code']} · {r['process__name']}" if r["process__code"] else "—", "count": r["n"]}
        for r in findings.values("process__code", "process__name").annotate(n=Count("pk")).order_by("-n")[:TABLE_LIMIT]
    ]
    trends.by_site = [
        {"label": r["site__code"], "count": r["n"]}
        for r in findings.values("site__code").annotate(n=Count("pk")).order_by("-n", "site__code")[:TABLE_LIMIT]
    ]
    return trends
