"""Training assignments follow the requirements, the memberships and the documents: every write goes through here.

``assignments_reconcile`` compares what is required (active requirements × current memberships, curricula
expanded to their courses; one SQL statement) with what people have (their latest training record per course
and their open assignments) and

* assigns what is missing: never trained (*new or changed role*), the record expires within the grace period
  (*periodic retraining*), a linked controlled document has an effective version newer than the record
  (*document revised*, pointing at that version);
* cancels the open, automatic assignments of people no longer required to take the course (reason kept);
  assignments made by hand or by a CAPA stay.

Idempotent (a second run changes nothing) and set-based. It runs when memberships change, when a version of a
linked document becomes effective, when requirements change, and nightly for recurrence and dated changes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.audit.context import audit_context
from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion

from .choices import AssignmentReason, CancelReason
from .models import TrainingRecord

BATCH = 5000
AUTOMATIC = (AssignmentReason.MEMBERSHIP, AssignmentReason.RECURRENCE, AssignmentReason.DOCUMENT_REVISION)


def required_rows(
    *, on: datetime.date, person_ids=None, course_ids=None
) -> list[tuple[int, int, int, int, int, int | None]]:
    """``(person, course, site, requirement, grace_days, recurrence_months)`` for every required training.

    Where several requirements ask for the same course, the strictest wins (shortest recurrence, then grace).
    """
    filters, params = [], {"on": on}
    if person_ids is not None:
        filters.append("AND m.person_id = ANY(%(persons)s)")
        params["persons"] = list(person_ids)
    if course_ids is not None:
        filters.append("AND q.course_id = ANY(%(courses)s)")
        params["courses"] = list(course_ids)
    sql = _RECONCILE_CTES.format(required_filters="\n      ".join(filters)) + (
        "\nSELECT person_id, course_id, site_id, requirement_id, grace_days, recurrence_months FROM required"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def latest_revisions(course_ids) -> dict[int, tuple[datetime.date, int]]:
    """Per course: the newest effective date among its linked documents' effective versions, and that version."""
    newest: dict[int, tuple[datetime.date, int]] = {}
    rows = (
        DocumentVersion._base_manager.filter(
            status=VersionStatus.EFFECTIVE, document__is_active=True, document__courses__in=list(course_ids)
        )
        .values_list("document__courses", "effective_date", "pk")
        .order_by("effective_date", "pk")
    )
    for course_id, effective_date, pk in rows:
        if effective_date is not None:
            newest[course_id] = (effective_date, pk)  # ordered: the last one is the newest
    return newest


def _latest_records(pairs_persons, course_ids) -> dict[tuple[int, int], tuple[datetime.date, datetime.date | None]]:
    """Per (person, course): the latest record's completion date and validity (one query)."""
    latest = {}
    rows = (
        TrainingRecord._base_manager.filter(person_id__in=pairs_persons, course_id__in=course_ids)
        .exclude(course__requires_practical=True, verified_at__isnull=True)
        .values("person_id", "course_id")
        .annotate(last=Max("completed_on"), valid=Max("valid_until"))
    )
    for row in rows:
        latest[(row["person_id"], row["course_id"])] = (row["last"], row["valid"])
    return latest


# Who is required to take which course on %(on)s: each active requirement (a curriculum stands for its courses)
# of an active course, joined to the current memberships it reaches (its site; its function, if any; its role,
# or any role that does work). The one statement of the rule: the reconcile, the matrix's required set and the
# compliance figures all read these rows (``q`` the requirement, ``m`` the membership), then narrow them.
# ``requirement_filter`` narrows the requirements first (e.g. to some sites: the planner then starts from them).
def required_memberships(requirement_filter: str = "") -> str:
    return _REQUIRED_MEMBERSHIPS.replace("{requirement_filter}", requirement_filter)


_REQUIRED_MEMBERSHIPS = """
    FROM (
        SELECT r.id AS requirement_id, r.site_id, r.function_id, r.role_id, r.grace_days, r.recurrence_months,
               COALESCE(r.course_id, cc.course_id) AS course_id
        FROM training_trainingrequirement r
        LEFT JOIN training_curriculum cu ON cu.id = r.curriculum_id
        LEFT JOIN training_curriculum_courses cc ON cc.curriculum_id = r.curriculum_id
        WHERE r.is_active AND (r.curriculum_id IS NULL OR cu.is_active) {requirement_filter}
    ) q
    JOIN training_course c ON c.id = q.course_id AND c.is_active
    JOIN org_membership m ON m.site_id = q.site_id
    JOIN org_role ro ON ro.id = m.role_id
    JOIN org_person p ON p.id = m.person_id AND p.is_active
    WHERE m.valid_from <= %(on)s AND (m.valid_to IS NULL OR m.valid_to >= %(on)s)
      AND (q.function_id IS NULL OR q.function_id = m.function_id)
      AND ((q.role_id IS NULL AND NOT ro.is_read_only) OR q.role_id = m.role_id)"""

_RECONCILE_CTES = (
    """
WITH required AS (
    SELECT DISTINCT ON (m.person_id, q.course_id)
           m.person_id, q.course_id, q.site_id, q.requirement_id, q.grace_days, q.recurrence_months"""
    + required_memberships()
    + """
      {required_filters}
    ORDER BY m.person_id, q.course_id, q.recurrence_months NULLS LAST, q.grace_days, q.requirement_id
)"""
)

_RECONCILE_SQL = (  # only fixed filter fragments are formatted in; values are parameters
    _RECONCILE_CTES  # noqa: S608
    + """,
revisions AS (
    SELECT DISTINCT ON (cd.course_id) cd.course_id, v.effective_date, v.id AS version_id
    FROM training_course_documents cd
    JOIN documents_controlleddocument d ON d.id = cd.controlleddocument_id AND d.is_active
    JOIN documents_documentversion v ON v.document_id = d.id AND v.status = 'effective'
    WHERE v.effective_date IS NOT NULL AND cd.course_id IN (SELECT course_id FROM required)
    ORDER BY cd.course_id, v.effective_date DESC, v.id DESC
),
records AS (
    SELECT t.person_id, t.course_id, MAX(t.completed_on) AS last, MAX(t.valid_until) AS valid
    FROM training_trainingrecord t
    JOIN training_course c ON c.id = t.course_id
    WHERE NOT (c.requires_practical AND t.verified_at IS NULL)
      AND t.person_id IN (SELECT person_id FROM required) AND t.course_id IN (SELECT course_id FROM required)
    GROUP BY t.person_id, t.course_id
),
decided AS (
    SELECT q.person_id, q.course_id, q.site_id, q.requirement_id, q.grace_days, rv.version_id, rc.valid,
           CASE WHEN rc.last IS NULL THEN 'membership'
                WHEN rv.effective_date > rc.last THEN 'document_revision'
                WHEN rc.valid IS NOT NULL AND rc.valid - q.grace_days <= %(on)s THEN 'recurrence'
           END AS reason
    FROM required q
    LEFT JOIN revisions rv ON rv.course_id = q.course_id
    LEFT JOIN records rc ON rc.person_id = q.person_id AND rc.course_id = q.course_id
    WHERE NOT EXISTS (
        SELECT 1 FROM training_assignment a
        WHERE a.person_id = q.person_id AND a.course_id = q.course_id AND a.status = 'open'
    )
),
created AS (
    INSERT INTO training_assignment (person_id, course_id, site_id, requirement_id, reason, document_version_id,
                                     due_date, status, cancel_reason, cancel_note, created_at, updated_at)
    SELECT person_id, course_id, site_id, requirement_id, reason,
           CASE WHEN reason = 'recurrence' THEN NULL ELSE version_id END,
           CASE WHEN reason = 'recurrence' THEN GREATEST(valid, %(on)s) ELSE %(on)s + grace_days END,
           'open', '', '', clock_timestamp(), clock_timestamp()
    FROM decided WHERE reason IS NOT NULL
    ORDER BY person_id, course_id
    RETURNING reason
),
-- Open automatic assignments nobody requires any more are cancelled, the reason kept on the row (manual and CAPA
-- ones stay). Disjoint from what is created (those pairs have no open assignment), so one statement does both.
cancelled AS (
    UPDATE training_assignment a
    SET status = 'cancelled', cancelled_at = clock_timestamp(), cancel_reason = %(why)s, cancel_note = %(note)s,
        updated_at = clock_timestamp()
    WHERE a.status = 'open' AND a.reason = ANY(%(automatic)s)
      {open_filters}
      AND NOT EXISTS (SELECT 1 FROM required q WHERE q.person_id = a.person_id AND q.course_id = a.course_id)
    RETURNING 'cancelled'::text AS reason
)
SELECT reason, COUNT(*) FROM created GROUP BY reason
UNION ALL SELECT reason, COUNT(*) FROM cancelled GROUP BY reason
"""
)


@transaction.atomic
def assignments_reconcile(*, on: datetime.date | None = None, person_ids=None, course_ids=None) -> dict[str, int]:
    """Bring the automatic assignments of the given people and/or courses (None: all) in line with what is required.

    One set-based statement whatever the number of people: it creates what is missing (the row says why:
    joined, document revised, recurrence) and cancels what is no longer required (the row says so)."""
    on = on or timezone.localdate()
    required_filters, open_filters = [], []
    params: dict = {"on": on}
    if person_ids is not None:
        params["persons"] = sorted(person_ids)
        required_filters.append("AND m.person_id = ANY(%(persons)s)")
        open_filters.append("AND a.person_id = ANY(%(persons)s)")
    if course_ids is not None:
        params["courses"] = sorted(course_ids)
        required_filters.append("AND q.course_id = ANY(%(courses)s)")
        open_filters.append("AND a.course_id = ANY(%(courses)s)")
    sql = _RECONCILE_SQL.format(
        required_filters="\n      ".join(required_filters), open_filters="\n      ".join(open_filters)
    )
    note = _("No requirement asks for this course for the person's current roles on %(d)s.") % {"d": on.isoformat()}
    params.update(why=CancelReason.LEFT_SCOPE, note=note, automatic=list(AUTOMATIC))
    counts: dict[str, int] = defaultdict(int)
    with (
        connection.cursor() as cursor,
        audit_context(reason=_("Training assignments brought in line with the requirements")),
    ):
        cursor.execute(sql, params)
        for reason, number in cursor.fetchall():
            counts[reason] += number
    cancelled = counts.pop("cancelled", 0)
    return {"created": sum(counts.values()), "cancelled": cancelled, **dict(counts)}


def revision_retrain(*, version: DocumentVersion) -> dict[str, int]:
    """A version of a document became effective: everyone required to take a course on it is due again.

    Open assignments on those courses stay (they will be completed on the new version); people whose record
    predates the new version get a *document revised* assignment.
    """
    course_ids = list(version.document.courses.filter(is_active=True).values_list("pk", flat=True))
    if not course_ids:
        return {"created": 0, "cancelled": 0}
    return assignments_reconcile(course_ids=course_ids)


def valid_until_for(*, completed_on: datetime.date, recurrence_months: int | None) -> datetime.date | None:
    return completed_on + relativedelta(months=recurrence_months) if recurrence_months else None
