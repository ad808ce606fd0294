"""Reads of training for the people who manage it: the matrix, compliance figures and their daily history.

The matrix shows, for people × courses, one state per cell (``CellState``):

* an open assignment decides first: *overdue* (due date passed), *due soon* (due within
  ``IMS_TRAINING_DUE_SOON_DAYS``, default 14), otherwise *assigned* (in progress);
* without one, a *current* record (signed, verified when practical, still valid, trained on the newest
  effective revision of the course's documents: the rule of ``services.is_current``) makes the cell current;
* a course that a requirement asks of the person, without a current record or an open assignment, has lapsed
  and shows *overdue* (the nightly reconcile will assign it);
* anything else is *not required*.

The cells of any number of people and courses take four queries (assignments, records, revisions,
requirements). Compliance counts the required trainings (requirements × current memberships) per site,
function and course in one SQL statement. Those figures are kept per site (``ComplianceFigure``): database
triggers note every change that can move a site's figures (``CompliancePending``), a beat task recomputes the
noted sites every minute (``compliance_figures_refresh``), and a reader computes live only the sites with a
change not yet recomputed, so the pages are exact and read stored figures for every other site.
``compliance_snapshot_take`` recomputes every site and stores the day's totals for the trend.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from ims.access.permissions import user_sites
from ims.org.models import Membership, Person, Site

from .assignments import latest_revisions, required_memberships, required_rows
from .choices import AssignmentStatus, CellState
from .models import (
    Assignment,
    ComplianceComputed,
    ComplianceFigure,
    ComplianceSnapshot,
    Course,
    TrainingRecord,
)

VIEW_PERMISSION = "training.view_assignment"
# The filterable states that select people in the database (the others only mark the cells).
PEOPLE_STATES = (CellState.OVERDUE, CellState.DUE_SOON, CellState.IN_PROGRESS, CellState.CURRENT)


def due_soon_days() -> int:
    return int(getattr(settings, "IMS_TRAINING_DUE_SOON_DAYS", 14))


@dataclass(frozen=True, slots=True)
class Cell:
    state: str
    due_date: datetime.date | None = None
    valid_until: datetime.date | None = None
    completed_on: datetime.date | None = None


NOT_REQUIRED = Cell(CellState.NOT_REQUIRED)


# --- Scope ------------------------------------------------------------------------------------------------------


def matrix_sites(*, user) -> QuerySet:
    """Active sites the user may view where they may also view training assignments."""
    return (
        Site.objects.restrict(user, "view")
        .filter(is_active=True, pk__in=user_sites(user, VIEW_PERMISSION).values("pk"))
        .order_by("code")
    )


def matrix_courses(*, user, site: Site, course_id: int | None = None) -> list[Course]:
    """The columns: active courses given at ``site`` (optionally one)."""
    courses = Course.objects.restrict(user, "view").filter(is_active=True, sites=site)
    if course_id is not None:
        courses = courses.filter(pk=course_id)
    return list(courses.order_by("code").only("pk", "code", "title", "has_assessment", "requires_practical"))


def _open_assignments(on: datetime.date, state: str | None) -> Q:
    soon = on + datetime.timedelta(days=due_soon_days())
    return {
        CellState.OVERDUE: Q(due_date__lt=on),
        CellState.DUE_SOON: Q(due_date__gte=on, due_date__lte=soon),
        CellState.IN_PROGRESS: Q(due_date__gt=soon),
    }.get(state, Q())


def matrix_people(
    *,
    site: Site,
    function_id: int | None = None,
    course_ids: list[int] | None = None,
    state: str | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    """The rows: active people with a current membership at ``site`` (in ``function_id``) or, without a function
    filter, an open assignment there; narrowed to people with a cell in ``state`` when it is one of
    ``PEOPLE_STATES``. Ordered by name."""
    on = on or timezone.localdate()
    # External read-only roles (inspectors) are never trained here: they are not rows of the matrix.
    members = Membership.objects.current(on).filter(person=OuterRef("pk"), site=site, role__is_read_only=False)
    if function_id is not None:
        members = members.filter(function_id=function_id)
        in_scope = Q(Exists(members))
    else:
        assigned = Assignment._base_manager.filter(person=OuterRef("pk"), site=site, status=AssignmentStatus.OPEN)
        in_scope = Q(Exists(members)) | Q(Exists(assigned))
    people = Person.objects.filter(in_scope, is_active=True)
    if state in (CellState.OVERDUE, CellState.DUE_SOON, CellState.IN_PROGRESS):
        having = Assignment._base_manager.filter(
            _open_assignments(on, state), person=OuterRef("pk"), status=AssignmentStatus.OPEN
        )
        if course_ids is not None:
            having = having.filter(course_id__in=course_ids)
        people = people.filter(Exists(having))
    elif state == CellState.CURRENT:
        having = TrainingRecord._base_manager.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on), person=OuterRef("pk"), signature__isnull=False
        )
        if course_ids is not None:
            having = having.filter(course_id__in=course_ids)
        people = people.filter(Exists(having))
    return people.order_by("last_name", "first_name", "pk").only(
        "pk", "username", "first_name", "last_name", "employee_id"
    )


# --- Cells ------------------------------------------------------------------------------------------------------


def matrix_cells(
    *, user, person_ids: list[int], course_ids: list[int], on: datetime.date | None = None
) -> dict[tuple[int, int], Cell]:
    """The state of every (person, course) cell, in four queries whatever the numbers.

    Cells that are not required are left out of the answer (``cells.get(key, NOT_REQUIRED)``). Assignments and
    records count only where ``user`` may view them.
    """
    on = on or timezone.localdate()
    if not person_ids or not course_ids:
        return {}
    soon = on + datetime.timedelta(days=due_soon_days())
    cells: dict[tuple[int, int], Cell] = {}
    open_rows = (
        Assignment.objects.restrict(user, "view")
        .filter(status=AssignmentStatus.OPEN, person_id__in=person_ids, course_id__in=course_ids)
        .values_list("person_id", "course_id", "due_date")
    )
    for person, course, due in open_rows:
        state = CellState.OVERDUE if due < on else CellState.DUE_SOON if due <= soon else CellState.IN_PROGRESS
        cells[(person, course)] = Cell(state, due_date=due)
    records = (
        TrainingRecord.objects.restrict(user, "view")
        .filter(person_id__in=person_ids, course_id__in=course_ids, signature__isnull=False)
        .exclude(course__requires_practical=True, verified_at__isnull=True)
        .order_by("person_id", "course_id", "-completed_on", "-pk")
        .distinct("person_id", "course_id")
        .values_list("person_id", "course_id", "completed_on", "valid_until")
    )
    revisions = latest_revisions(course_ids)
    for person, course, completed_on, valid_until in records:
        key = (person, course)
        revision = revisions.get(course)
        current = (valid_until is None or valid_until >= on) and (revision is None or revision[0] <= completed_on)
        if key in cells:
            cells[key] = Cell(cells[key].state, cells[key].due_date, valid_until, completed_on)
        elif current:
            cells[key] = Cell(CellState.CURRENT, valid_until=valid_until, completed_on=completed_on)
        else:
            cells[key] = Cell(CellState.NOT_REQUIRED, valid_until=valid_until, completed_on=completed_on)
    for person, course, *_rest in required_rows(on=on, person_ids=person_ids, course_ids=course_ids):
        cell = cells.get((person, course))
        if cell is None or cell.state == CellState.NOT_REQUIRED:  # required, not current, not assigned: lapsed
            cells[(person, course)] = Cell(
                CellState.OVERDUE,
                valid_until=cell.valid_until if cell else None,
                completed_on=cell.completed_on if cell else None,
            )
    return cells


def matrix_rows(*, people, courses: list[Course], cells: dict[tuple[int, int], Cell]) -> list[tuple]:
    """``[(person, [cell per course])]`` in the order of ``people`` and ``courses``."""
    return [(person, [cells.get((person.pk, course.pk), NOT_REQUIRED) for course in courses]) for person in people]


def state_counts(rows: list[tuple]) -> dict[str, int]:
    counts = dict.fromkeys(CellState.values, 0)
    for _person, row in rows:
        for cell in row:
            counts[cell.state] += 1
    return counts


# --- Compliance ------------------------------------------------------------------------------------------------

_COMPLIANCE_SQL = (  # fixed fragments only; values are parameters
    "\nWITH pairs AS (\n    SELECT DISTINCT ON (m.site_id, m.person_id, q.course_id) "  # noqa: S608
    "m.site_id, m.function_id, m.person_id, q.course_id"
    + required_memberships("AND r.site_id = ANY(%(sites)s)")
    + """
    ORDER BY m.site_id, m.person_id, q.course_id, m.function_id
),
revisions AS (
    SELECT cd.course_id, MAX(v.effective_date) AS effective_date
    FROM training_course_documents cd
    JOIN documents_controlleddocument d ON d.id = cd.controlleddocument_id AND d.is_active
    JOIN documents_documentversion v ON v.document_id = d.id AND v.status = 'effective'
    GROUP BY cd.course_id
),
latest AS (
    SELECT DISTINCT ON (t.person_id, t.course_id) t.person_id, t.course_id, t.completed_on, t.valid_until
    FROM training_trainingrecord t
    JOIN training_course c ON c.id = t.course_id
    WHERE t.signature_id IS NOT NULL AND (NOT c.requires_practical OR t.verified_at IS NOT NULL)
      AND t.person_id IN (SELECT person_id FROM pairs)
    ORDER BY t.person_id, t.course_id, t.completed_on DESC, t.id DESC
),
states AS (
    SELECT pr.site_id, pr.function_id, pr.course_id, a.due_date,
           (l.completed_on IS NOT NULL AND (l.valid_until IS NULL OR l.valid_until >= %(on)s)
            AND (rv.effective_date IS NULL OR rv.effective_date <= l.completed_on)) AS is_current
    FROM pairs pr
    LEFT JOIN latest l ON l.person_id = pr.person_id AND l.course_id = pr.course_id
    LEFT JOIN revisions rv ON rv.course_id = pr.course_id
    LEFT JOIN training_assignment a
           ON a.person_id = pr.person_id AND a.course_id = pr.course_id AND a.status = 'open'
)
SELECT site_id, function_id, course_id,
       COUNT(*) AS required,
       COUNT(*) FILTER (WHERE is_current) AS current,
       COUNT(*) FILTER (WHERE NOT is_current AND (due_date IS NULL OR due_date < %(on)s)) AS overdue,
       COUNT(*) FILTER (WHERE NOT is_current AND due_date >= %(on)s AND due_date <= %(soon)s) AS due_soon
FROM states
GROUP BY site_id, function_id, course_id
"""
)
FIGURES = ("required", "current", "overdue", "due_soon")


def compliance_site_ids(*, user) -> list[int]:
    return list(matrix_sites(user=user).values_list("pk", flat=True))


def compliance_rows(*, site_ids: list[int], on: datetime.date | None = None) -> list[dict]:
    """Per (site, function, course): trainings required, current, overdue and due soon (one statement).

    A person counts once per course and site (in their first function there). *Current* follows the rule of
    ``services.is_current``; *overdue* is not current and either past the due date or not assigned (lapsed).
    """
    if not site_ids:
        return []
    on = on or timezone.localdate()
    params = {"sites": list(site_ids), "on": on, "soon": on + datetime.timedelta(days=due_soon_days())}
    with connection.cursor() as cursor:
        cursor.execute(_COMPLIANCE_SQL, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _percent(row: dict) -> dict:
    row["percent"] = round(100.0 * row["current"] / row["required"], 1) if row["required"] else None
    return row


def compliance_grouped(rows: list[dict], key: str) -> list[dict]:
    """Sum ``rows`` by ``key`` (``site_id``, ``function_id`` or ``course_id``), with the % current."""
    sums: dict[int, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for row in rows:
        target = sums[row[key]]
        for figure in FIGURES:
            target[figure] += row[figure]
    return [_percent({key: k, **v}) for k, v in sums.items()]


def compliance_totals(rows: list[dict]) -> dict:
    return _percent({figure: sum(r[figure] for r in rows) for figure in FIGURES})


_STALE_SITES_SQL = """
WITH pending AS (
    SELECT site_id FROM training_compliancepending WHERE site_id IS NOT NULL
    UNION
    SELECT m.site_id FROM training_compliancepending p JOIN org_membership m ON m.person_id = p.person_id
    WHERE p.person_id IS NOT NULL
),
everything AS (
    SELECT EXISTS (SELECT 1 FROM training_compliancepending WHERE site_id IS NULL AND person_id IS NULL) AS all_sites
)
SELECT s.id FROM unnest(%(sites)s::integer[]) AS s(id), everything e
WHERE e.all_sites
   OR s.id IN (SELECT site_id FROM pending)
   OR NOT EXISTS (SELECT 1 FROM training_compliancecomputed c WHERE c.site_id = s.id AND c.day = %(on)s)
"""


def compliance_stale_sites(*, site_ids: list[int], on: datetime.date | None = None) -> set[int]:
    """Of ``site_ids``, the sites whose stored figures are not exact: a change noted since they were computed, or
    computed for another day (one query)."""
    if not site_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_STALE_SITES_SQL, {"sites": list(site_ids), "on": on or timezone.localdate()})
        return {row[0] for row in cursor.fetchall()}


_SUMMARY_SQL = """
SELECT site_id, function_id, course_id, GROUPING(site_id, function_id, course_id) AS level,
       SUM(required), SUM(current), SUM(overdue), SUM(due_soon)
FROM training_compliancefigure
WHERE site_id = ANY(%(sites)s) {function_filter}
GROUP BY GROUPING SETS ((site_id), (function_id), (course_id), ())
"""
# GROUPING(site, function, course) bits: 0b011 = by site, 0b101 = by function, 0b110 = by course, 0b111 = total.
_LEVELS = {0b011: "site_id", 0b101: "function_id", 0b110: "course_id", 0b111: None}


def compliance_summary(*, site_ids: list[int], function_id: int | None = None, on: datetime.date | None = None) -> dict:
    """What the compliance page shows: ``{"by_site", "by_function", "by_course", "totals", "as_of"}``, each row with
    its figures and % current. Stored figures are summed by the database (one statement, a few hundred rows back,
    whatever the number of sites); sites with a change not yet recomputed are computed live and added."""
    on = on or timezone.localdate()
    sums: dict[str | None, dict] = {level: defaultdict(lambda: dict.fromkeys(FIGURES, 0)) for level in _LEVELS.values()}

    def add(level: str | None, key, figures) -> None:
        target = sums[level][key]
        for name, value in zip(FIGURES, figures, strict=True):
            target[name] += value or 0

    stale = compliance_stale_sites(site_ids=site_ids, on=on) if site_ids else set()
    fresh = [pk for pk in site_ids if pk not in stale]
    as_of = None
    if fresh:
        params = {"sites": fresh, "function": function_id}
        sql = _SUMMARY_SQL.format(function_filter="AND function_id = %(function)s" if function_id else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for site, function, course, level, *figures in cursor.fetchall():
                name = _LEVELS[level]
                add(name, {"site_id": site, "function_id": function, "course_id": course, None: None}[name], figures)
        as_of = ComplianceComputed.objects.filter(site_id__in=fresh).aggregate(oldest=Min("computed_at"))["oldest"]
    if stale:
        for row in compliance_rows(site_ids=sorted(stale), on=on):
            if function_id and row["function_id"] != function_id:
                continue
            figures = [row[name] for name in FIGURES]
            for level in ("site_id", "function_id", "course_id"):
                add(level, row[level], figures)
            add(None, None, figures)
    result = {
        f"by_{level[:-3]}": [_percent({level: key, **figures}) for key, figures in sums[level].items()]
        for level in ("site_id", "function_id", "course_id")
    }
    result["totals"] = _percent(dict(sums[None].get(None) or dict.fromkeys(FIGURES, 0)))
    result["as_of"] = as_of
    return result


def compliance_totals_latest(*, site_ids: list[int]) -> tuple[dict | None, datetime.datetime | None]:
    """``(totals, as_of)`` from the stored figures of ``site_ids`` as they are (a change of the last minute may be
    missing): read, never computed (2 queries); ``(None, None)`` before the first computation."""
    if not site_ids:
        return None, None
    as_of = ComplianceComputed.objects.filter(site_id__in=site_ids).aggregate(oldest=Min("computed_at"))["oldest"]
    if as_of is None:
        return None, None
    sums = ComplianceFigure.objects.filter(site_id__in=site_ids).aggregate(
        **{figure: Sum(figure) for figure in FIGURES}
    )
    return _percent({figure: sums[figure] or 0 for figure in FIGURES}), as_of


# One refresh at a time (two would write the same sites' figures).
_REFRESH_LOCK = 0x7472_6E67  # "trng"


def _figures_store(site_ids: list[int], rows: list[dict], on: datetime.date) -> None:
    now = timezone.now()
    ComplianceFigure.objects.filter(site_id__in=site_ids).delete()
    ComplianceFigure.objects.bulk_create(
        [
            ComplianceFigure(
                site_id=row["site_id"],
                function_id=row["function_id"],
                course_id=row["course_id"],
                **{figure: row[figure] for figure in FIGURES},
            )
            for row in rows
        ],
        batch_size=5000,
    )
    ComplianceComputed.objects.bulk_create(
        [ComplianceComputed(site_id=pk, day=on, computed_at=now) for pk in site_ids],
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=["day", "computed_at"],
    )


_DRAIN_SQL = """
WITH drained AS (DELETE FROM training_compliancepending RETURNING site_id, person_id)
SELECT DISTINCT site_id FROM drained WHERE site_id IS NOT NULL
UNION
SELECT m.site_id FROM drained d JOIN org_membership m ON m.person_id = d.person_id WHERE d.person_id IS NOT NULL
UNION
SELECT NULL FROM drained WHERE site_id IS NULL AND person_id IS NULL
"""


def compliance_figures_refresh(*, on: datetime.date | None = None, every_site: bool = False) -> list[int]:
    """Recompute and store the figures of every site with a noted change or computed for another day (or of every
    active site); returns the sites recomputed. One transaction: the notes it drains are recomputed in it, and a
    change committed after the drain stays noted for the next run.

    Meant for a beat task every minute; a second copy waits for the first (an advisory lock)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])
            cursor.execute(_DRAIN_SQL)
            noted = {row[0] for row in cursor.fetchall()}
        active = set(Site._base_manager.filter(is_active=True).values_list("pk", flat=True))
        if every_site or None in noted:
            site_ids = sorted(active)
        else:
            computed_today = set(ComplianceComputed.objects.filter(day=on).values_list("site_id", flat=True))
            site_ids = sorted((noted & active) | (active - computed_today))
        if not site_ids:
            return []
        _figures_store(site_ids, compliance_rows(site_ids=site_ids, on=on), on)
        return site_ids


def overdue_assignments(
    *, user, site_ids: list[int], function_id: int | None = None, on: datetime.date | None = None
) -> QuerySet:
    """Open assignments past their due date that ``user`` may view, oldest first (for the overdue lists)."""
    on = on or timezone.localdate()
    queryset = Assignment.objects.restrict(user, "view").overdue(on).filter(site_id__in=site_ids)
    if function_id is not None:
        members = Membership.objects.current(on).filter(
            person=OuterRef("person_id"), site=OuterRef("site_id"), function_id=function_id
        )
        queryset = queryset.filter(Exists(members))
    # The order of the index on open assignments: a page is read from it, never sorted from every overdue row.
    return queryset.select_related("person", "course", "site").order_by("due_date", "pk")


def compliance_snapshot_take(*, on: datetime.date | None = None) -> int:
    """Recompute every active site: its figures per course (``ComplianceFigure``) and the day's totals per site and
    function (``ComplianceSnapshot``, a re-run overwrites the day's rows). Meant for a nightly beat job, after the
    assignment reconcile. Returns the number of snapshot rows."""
    on = on or timezone.localdate()
    with transaction.atomic():
        compliance_figures_refresh(on=on, every_site=True)
        sums = (
            ComplianceFigure.objects.values("site_id", "function_id")
            .annotate(**{f"sum_{figure}": Sum(figure) for figure in FIGURES})
            .order_by()
        )
        snapshots = [
            ComplianceSnapshot(
                day=on,
                site_id=row["site_id"],
                function_id=row["function_id"],
                **{figure: row[f"sum_{figure}"] for figure in FIGURES},
            )
            for row in sums
        ]
        ComplianceSnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["day", "site", "function"],
            update_fields=list(FIGURES),
            batch_size=2000,
        )
    return len(snapshots)


def compliance_trend(
    *, site_ids: list[int], function_id: int | None = None, days: int = 90, on: datetime.date | None = None
) -> list[dict]:
    """``[{"day", "required", "current", "overdue", "due_soon", "percent"}]`` for the last ``days`` days (one query)."""
    on = on or timezone.localdate()
    snapshots = ComplianceSnapshot.objects.filter(site_id__in=site_ids, day__gt=on - datetime.timedelta(days=days))
    if function_id is not None:
        snapshots = snapshots.filter(function_id=function_id)
    by_day: dict[datetime.date, dict] = {}
    for day, *figures in snapshots.order_by("day").values_list("day", *FIGURES):
        target = by_day.setdefault(day, {"day": day, **dict.fromkeys(FIGURES, 0)})
        for name, value in zip(FIGURES, figures, strict=True):
            target[name] += value
    return [_percent(row) for row in by_day.values()]


# --- The person's own training ------------------------------------------------------------------------------------


def my_open_assignments(*, person) -> QuerySet:
    """A person's own open assignments, soonest due first (their own, whatever their roles let them see)."""
    return (
        Assignment._base_manager.filter(person=person, status=AssignmentStatus.OPEN)
        .select_related("course", "site", "document_version__document")
        .order_by("due_date", "pk")
    )


def my_recent_records(*, person, limit: int = 10) -> QuerySet:
    return (
        TrainingRecord._base_manager.filter(person=person)
        .select_related("course", "site", "document_version__document")
        .order_by("-completed_on", "-pk")[:limit]
    )
