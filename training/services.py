"""Training writes that are not the assignment engine: requirements, manual assignments, completing training.

Completing an assignment writes one ``TrainingRecord``, signed by the trainee with the meaning "trained" in the
same ceremony (no record without its signature), and closes the assignment. Its validity follows the strictest
requirement that asks for the course.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site
from ims.audit.context import audit_context
from ims.documents.choices import VersionStatus
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.services import SignatureRefused, db_now, signature_create_for_new_record

from .assignments import assignments_reconcile, latest_revisions, valid_until_for
from .choices import AssignmentReason, AssignmentStatus, CancelReason, TrainingMethod
from .models import Assignment, Course, SignerQualification, TrainingRecord, TrainingRequirement


class TrainingRefused(ValidationError):
    """The training cannot be completed now (not yours, not open, assessment or practical missing)."""


# --- Requirements ---------------------------------------------------------------------------------------------


@transaction.atomic
def requirement_create(
    *, actor, site, course=None, curriculum=None, function=None, role=None, **fields
) -> TrainingRequirement:
    """Require a course (or curriculum) at ``site``; people in scope are assigned at once."""
    if actor is not None and not user_can_at_site(actor, "training.add_trainingrequirement", site):
        raise PermissionDenied(_("You may not add training requirements at site %(site)s.") % {"site": site.code})
    requirement = TrainingRequirement(
        site=site, course=course, curriculum=curriculum, function=function, role=role, **fields
    )
    requirement.full_clean()
    requirement.save()
    courses = [course.pk] if course else list(curriculum.courses.values_list("pk", flat=True))
    assignments_reconcile(course_ids=courses)
    return requirement


@transaction.atomic
def requirement_deactivate(*, actor, requirement: TrainingRequirement) -> TrainingRequirement:
    if actor is not None and not user_can_at_site(actor, "training.delete_trainingrequirement", requirement.site):
        raise PermissionDenied(_("You may not change training requirements at this site."))
    requirement = TrainingRequirement._base_manager.select_for_update().get(pk=requirement.pk)
    requirement.is_active = False
    requirement.save(update_fields=["is_active", "updated_at"])
    courses = (
        [requirement.course_id]
        if requirement.course_id
        else list(requirement.curriculum.courses.values_list("pk", flat=True))
    )
    assignments_reconcile(course_ids=courses)
    return requirement


# --- Manual assignments ---------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create_manual(
    *, actor, person, course: Course, site, due_date: datetime.date, reason: str = AssignmentReason.MANUAL
) -> Assignment:
    if actor is not None and not user_can_at_site(actor, "training.add_assignment", site):
        raise PermissionDenied(_("You may not assign training at site %(site)s.") % {"site": site.code})
    if Assignment._base_manager.filter(person=person, course=course, status=AssignmentStatus.OPEN).exists():
        raise ValidationError({"course": _("%(person)s already has this course open.") % {"person": person}})
    revision = latest_revisions([course.pk]).get(course.pk)
    assignment = Assignment(
        person=person,
        course=course,
        site=site,
        reason=reason,
        due_date=due_date,
        assigned_by=actor,
        document_version_id=revision[1] if revision else None,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_withdraw(*, actor, assignment: Assignment, note: str) -> Assignment:
    if actor is not None and not user_can_at_site(actor, "training.change_assignment", assignment.site):
        raise PermissionDenied(_("You may not change training assignments at this site."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the assignment is withdrawn.")})
    assignment = Assignment._base_manager.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.OPEN:
        raise TrainingRefused(_("Only open assignments can be withdrawn."), code="not_open")
    assignment.status = AssignmentStatus.CANCELLED
    assignment.cancelled_at = db_now()
    assignment.cancel_reason = CancelReason.WITHDRAWN
    assignment.cancel_note = note.strip()[:300]
    assignment.save(update_fields=["status", "cancelled_at", "cancel_reason", "cancel_note", "updated_at"])
    return assignment


# --- Completing training --------------------------------------------------------------------------------------


def _recurrence_months(assignment: Assignment) -> int | None:
    if assignment.requirement_id and assignment.requirement.recurrence_months:
        return assignment.requirement.recurrence_months
    months = (
        TrainingRequirement._base_manager.filter(is_active=True, course=assignment.course, site=assignment.site)
        .exclude(recurrence_months__isnull=True)
        .order_by("recurrence_months")
        .values_list("recurrence_months", flat=True)
        .first()
    )
    return months


def _open_own(actor, assignment: Assignment) -> Assignment:
    if actor is None or assignment.person_id != actor.pk:
        raise PermissionDenied(_("This training is assigned to somebody else."))
    if assignment.status != AssignmentStatus.OPEN:
        raise TrainingRefused(_("This assignment is no longer open."), code="not_open")
    return assignment


def record_create_signed(
    *,
    actor,
    assignment: Assignment,
    method: str,
    password: str | None,
    username: str | None = None,
    score=None,
    trainer=None,
    completed_on: datetime.date | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
    on_signed=None,
) -> TrainingRecord:
    """The trainee signs "trained" for their open assignment: the record is created and the assignment closed.

    Used by self-study (read and understood), sessions (after attendance) and assessments (after a pass).
    ``on_signed(record)`` runs in the signature's transaction, e.g. to link the record to the attendance or the
    attempt it came from: all of it commits together or not at all.
    """
    assignment = Assignment._base_manager.select_related("course", "requirement", "document_version").get(
        pk=assignment.pk
    )
    _open_own(actor, assignment)
    completed_on = completed_on or timezone.localdate()
    statement = _("I was trained on %(course)s%(version)s.") % {
        "course": f"{assignment.course.code} {assignment.course.title}",
        "version": f" ({assignment.document_version})" if assignment.document_version_id else "",
    }

    def create(now) -> TrainingRecord:
        locked = Assignment._base_manager.select_for_update().get(pk=assignment.pk)
        _open_own(actor, locked)
        record = TrainingRecord(
            person_id=assignment.person_id,
            course_id=assignment.course_id,
            site_id=assignment.site_id,
            assignment=locked,
            document_version_id=assignment.document_version_id,
            method=method,
            completed_on=completed_on,
            valid_until=valid_until_for(completed_on=completed_on, recurrence_months=_recurrence_months(assignment)),
            score=score,
            trainer=trainer,
        )
        record.full_clean(exclude=["signature"])
        with audit_context(reason=statement):
            record.save()
        return record

    def apply(signature: Signature) -> None:
        record = TrainingRecord._base_manager.get(assignment_id=assignment.pk)
        with audit_context(reason=statement):
            TrainingRecord._base_manager.filter(pk=record.pk).update(signature=signature)
            Assignment._base_manager.filter(pk=assignment.pk).update(
                status=AssignmentStatus.COMPLETED, completed_at=signature.signed_at
            )
        if on_signed is not None:
            on_signed(record)

    signature_create_for_new_record(
        signer=actor,
        model=TrainingRecord,
        create_record=create,
        meaning=SignatureMeaning.TRAINED,
        password=password,
        username=username,
        reason=statement,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
    )
    return TrainingRecord._base_manager.get(assignment_id=assignment.pk)


def self_study_complete(
    *, actor, assignment: Assignment, password, username=None, session=None, channel=SignatureChannel.WEB, ip=None
):
    """Read-and-understood training: allowed only for courses without an assessment or a practical sign-off."""
    course = assignment.course
    if course.has_assessment:
        raise TrainingRefused(_("Pass the course's assessment to complete it."), code="assessment_required")
    return record_create_signed(
        actor=actor,
        assignment=assignment,
        method=TrainingMethod.SELF_STUDY,
        password=password,
        username=username,
        session=session,
        channel=channel,
        ip=ip,
    )


# --- Currency and the signer qualification (Part 11 §11.10(i)) ------------------------------------------------


def is_current(*, person, course, on: datetime.date | None = None) -> bool:
    """Has ``person`` a valid record of ``course`` (verified when practical) trained on its newest revision?"""
    on = on or timezone.localdate()
    records = TrainingRecord._base_manager.filter(person=person, course=course, signature__isnull=False)
    if course.requires_practical:
        records = records.filter(verified_at__isnull=False)
    latest = records.order_by("-completed_on", "-pk").first()
    if latest is None or (latest.valid_until is not None and latest.valid_until < on):
        return False
    revision = latest_revisions([course.pk]).get(course.pk)
    return revision is None or revision[0] <= latest.completed_on


def signer_training_check(*, signer, record, meaning: str) -> None:
    """Refuse a review or approval of a document version from a signer not current on the required training.

    A record of another kind that declares ``qualification_duty`` (e.g. an audit: ``"internal_audit"``) asks its
    signers, for the meanings in its ``qualification_meanings`` (default: authored), for the courses configured
    for that duty."""
    from ims.documents.models import DocumentVersion

    duty = getattr(record, "qualification_duty", "")
    if duty and not isinstance(record, DocumentVersion):
        if meaning in getattr(record, "qualification_meanings", (SignatureMeaning.AUTHORED,)):
            duty_check(person=signer, duty=duty)
        return
    if not isinstance(record, DocumentVersion) or meaning not in (SignatureMeaning.REVIEWED, SignatureMeaning.APPROVED):
        return
    required = SignerQualification.objects.filter(
        is_active=True, doc_type=record.document.doc_type, course__is_active=True
    ).select_related("course")
    missing = [q.course for q in required if not is_current(person=signer, course=q.course)]
    if missing:
        raise SignatureRefused(
            _("You are not current on the training required to sign %(type)s documents: %(courses)s.")
            % {
                "type": record.document.get_doc_type_display().lower(),
                "courses": ", ".join(f"{c.code} {c.title}" for c in missing),
            },
            code="training_required",
            status=403,
        )


def duty_check(*, person, duty: str) -> None:
    """Refuse ``person`` for ``duty`` unless current on every active course configured for it (and at least one is).

    A duty with no course configured refuses everyone: the duty is qualified by training or not at all."""
    required = [
        q.course
        for q in SignerQualification.objects.filter(is_active=True, duty=duty, course__is_active=True).select_related(
            "course"
        )
    ]
    missing = [course for course in required if not is_current(person=person, course=course)]
    if missing or not required:
        courses = ", ".join(f"{c.code} {c.title}" for c in missing) or _("no course is configured for this duty")
        raise SignatureRefused(
            _("%(person)s is not current on the training required for this duty (%(duty)s): %(courses)s.")
            % {"person": getattr(person, "display_name", person), "duty": duty.replace("_", " "), "courses": courses},
            code="training_required",
            status=403,
        )


def document_version_effective(*, version) -> dict:
    if version.status != VersionStatus.EFFECTIVE:
        return {}
    from .assignments import revision_retrain

    return revision_retrain(version=version)
