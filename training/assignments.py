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
from ims.esign.services import db_now

from .choices import AssignmentReason, AssignmentStatus, CancelReason
from .models import Assignment, TrainingRecord

BATCH = 5000
AUTOMATIC = (AssignmentReason.MEMBERSHIP, AssignmentReason.RECURRENCE, AssignmentReason.DOCUMENT_REVISION)

_REQUIRED_SQL = """
WITH required AS (
    SELECT r.id AS requirement_id, r.site_id, r.function_id, r.role_id, r.grace_days, r.recurrence_months,
           COALESCE(r.course_id, cc.course_id) AS course_id
    FROM training_trainingrequirement r
    LEFT JOIN training_curriculum cu ON cu.id = r.curriculum_id
    LEFT JOIN training_curriculum_courses cc ON cc.curriculum_id = r.curriculum_id
    WHERE r.is_active AND (r.curriculum_id IS NULL OR cu.is_active)
)
SELECT DISTINCT ON (m.person_id, q.course_id)
       m.person_id, q.course_id, q.site_id, q.requirement_id, q.grace_days, q.recurrence_months
FROM required q
JOIN training_course c ON c.id = q.course_id AND c.is_active
JOIN org_membership m ON m.site_id = q.site_id
JOIN org_role ro ON ro.id = m.role_id
JOIN org_person p ON p.id = m.person_id AND p.is_active
WHERE m.valid_from <= %(on)s AND (m.valid_to IS NULL OR m.valid_to >= %(on)s)
  AND (q.function_id IS NULL OR q.function_id = m.function_id)
  AND ((q.role_id IS NULL AND NOT ro.is_read_only) OR q.role_id = m.role_id)
  {filters}
ORDER BY m.person_id, q.course_id, q.recurrence_months NULLS LAST, q.grace_days, q.requirement_id
"""


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
    with connection.cursor() as cursor:
        cursor.execute(_REQUIRED_SQL.format(filters="\n  ".join(filters)), params)
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


@transaction.atomic
def assignments_reconcile(*, on: datetime.date | None = None, person_ids=None, course_ids=None) -> dict[str, int]:
    """Bring the automatic assignments of the given people and/or courses (None: all) in line with what is required."""
    on = on or timezone.localdate()
    person_ids = sorted(person_ids) if person_ids is not None else None
    course_ids = sorted(course_ids) if course_ids is not None else None
    required = required_rows(on=on, person_ids=person_ids, course_ids=course_ids)
    wanted = {(p, c): (site, req, grace, recur) for p, c, site, req, grace, recur in required}

    open_rows = Assignment._base_manager.filter(status=AssignmentStatus.OPEN)
    if person_ids is not None:
        open_rows = open_rows.filter(person_id__in=person_ids)
    if course_ids is not None:
        open_rows = open_rows.filter(course_id__in=course_ids)
    open_now = {
        (p, c): (pk, reason) for pk, p, c, reason in open_rows.values_list("pk", "person_id", "course_id", "reason")
    }

    courses = {c for _p, c in wanted}
    revisions = latest_revisions(courses) if courses else {}
    records = _latest_records({p for p, _c in wanted}, courses) if wanted else {}

    new: list[Assignment] = []
    for (person, course), (site, requirement, grace, _recurrence) in wanted.items():
        if (person, course) in open_now:
            continue
        record = records.get((person, course))
        revision = revisions.get(course)
        reason, version_id, due = None, None, on + datetime.timedelta(days=grace)
        if record is None:
            reason = AssignmentReason.MEMBERSHIP
        else:
            completed_on, valid_until = record
            if revision is not None and revision[0] > completed_on:
                reason, version_id = AssignmentReason.DOCUMENT_REVISION, revision[1]
            elif valid_until is not None and valid_until - datetime.timedelta(days=grace) <= on:
                reason, due = AssignmentReason.RECURRENCE, max(valid_until, on)
        if reason is None:
            continue
        if reason == AssignmentReason.MEMBERSHIP and revision is not None:
            version_id = revision[1]
        new.append(
            Assignment(
                person_id=person,
                course_id=course,
                site_id=site,
                requirement_id=requirement,
                reason=reason,
                document_version_id=version_id,
                due_date=due,
            )
        )
    if new:
        with audit_context(reason=_("Training required by a training requirement")):
            Assignment._base_manager.bulk_create(new, batch_size=BATCH)

    to_cancel = [pk for key, (pk, reason) in open_now.items() if key not in wanted and reason in AUTOMATIC]
    if to_cancel:
        note = _("No requirement asks for this course for the person's current roles on %(d)s.") % {"d": on.isoformat()}
        with audit_context(reason=_("No longer required")):
            for start in range(0, len(to_cancel), BATCH):
                Assignment._base_manager.filter(pk__in=to_cancel[start : start + BATCH]).update(
                    status=AssignmentStatus.CANCELLED,
                    cancelled_at=db_now(),
                    cancel_reason=CancelReason.LEFT_SCOPE,
                    cancel_note=note,
                )
    counts = defaultdict(int)
    for assignment in new:
        counts[assignment.reason] += 1
    return {"created": len(new), "cancelled": len(to_cancel), **dict(counts)}


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
