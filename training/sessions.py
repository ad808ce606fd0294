"""Instructor-led sessions: plan, enrol, take attendance, close, and sign "trained" afterwards.

Who may do what:

* quality managers and compliance officers (``training.add/change/delete_trainingsession`` at the site) plan,
  change and cancel sessions and enrol people (``training.add_attendance``);
* the session's own trainer, holding ``training.run_trainingsession`` at the site, enrols people, marks the roster
  and closes the session; a manager may do the same for any session of their site;
* a person of the site checks themselves in with the session code while check-in is open (from shortly before
  the start until shortly after the end); a wrong or expired code records nothing;
* a present attendee with an open assignment of the course signs "trained" (``services.record_create_signed``,
  method *session*, the session's trainer): right after checking in or later. The record is linked to the
  attendance, which is how the attendance sheet shows each signature.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.esign.choices import SignatureChannel
from ims.esign.services import db_now
from ims.org.models import Membership, Person

from . import services
from .choices import AssignmentStatus, TrainingMethod
from .models import Assignment, Attendance, CheckInMethod, Course, SessionStatus, TrainingRecord, TrainingSession
from .models.session import SESSION_CODE_ALPHABET, SESSION_CODE_LENGTH

PERM_ADD = "training.add_trainingsession"
PERM_CHANGE = "training.change_trainingsession"
PERM_CANCEL = "training.delete_trainingsession"
PERM_RUN = "training.run_trainingsession"
PERM_ENROL = "training.add_attendance"
#: Fields a session keeps from creation on: the site (its people, its time zone) and the check-in code.
EDITABLE_FIELDS = (
    "course",
    "trainer",
    "trainer_name",
    "trainer_organisation",
    "location",
    "starts_at",
    "ends_at",
    "capacity",
    "notes",
)


class SessionRefused(ValidationError):
    """The session or attendance cannot change now (cancelled, closed, full, code wrong or expired, signed)."""


def _reason(default: str):
    """The interface's reason for change when it gave one, else what the service does."""
    return audit_context(reason=current_audit_context().get("reason") or default)


# --- Who may ------------------------------------------------------------------------------------------------


def may_manage(user, site) -> bool:
    return user_can_at_site(user, PERM_CHANGE, site)


def may_run(user, session: TrainingSession) -> bool:
    """The session's trainer (with the run permission at its site), or a manager of the site."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if session.trainer_id == user.pk and user_can_at_site(user, PERM_RUN, session.site):
        return True
    return may_manage(user, session.site)


def may_enrol(user, session: TrainingSession) -> bool:
    return user_can_at_site(user, PERM_ENROL, session.site) or may_run(user, session)


def _ensure_may_run(actor, session: TrainingSession) -> None:
    if not may_run(actor, session):
        raise PermissionDenied(_("Only the session's trainer or a training manager of the site may do this."))


def is_site_member(person, site, *, on: datetime.date | None = None) -> bool:
    return (
        person.is_active
        and Membership.objects.current(on).filter(person=person, site=site, role__is_read_only=False).exists()
    )


def site_people(site):
    """The people who may be enrolled at ``site``: current, non-read-only members (inspectors are not trained)."""
    members = Membership.objects.current().filter(site=site, role__is_read_only=False).values("person_id")
    return Person.objects.filter(pk__in=members, is_active=True)


# --- Sessions -----------------------------------------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(SESSION_CODE_ALPHABET) for _ in range(SESSION_CODE_LENGTH))
        if not TrainingSession._base_manager.filter(code=code).exists():
            return code


def normalise_code(value: str) -> str:
    return "".join((value or "").split()).upper().replace("-", "")


def _validate(session: TrainingSession) -> None:
    errors: dict[str, list[str]] = {}
    course: Course = session.course
    if not course.is_active:
        errors.setdefault("course", []).append(_("This course is no longer active."))
    elif not course.sites.filter(pk=session.site_id).exists():
        errors.setdefault("course", []).append(
            _("%(course)s is not offered at site %(site)s.") % {"course": course.code, "site": session.site.code}
        )
    if session.trainer_id is not None:
        session.trainer_name = ""
        session.trainer_organisation = ""
        trainer = session.trainer
        if not (user_can_at_site(trainer, PERM_RUN, session.site) or may_manage(trainer, session.site)):
            errors.setdefault("trainer", []).append(
                _("%(person)s is not a trainer at site %(site)s.")
                % {"person": trainer.display_name, "site": session.site.code}
            )
    elif not (session.trainer_name or "").strip():
        errors.setdefault("trainer", []).append(_("Choose a trainer, or name the external trainer."))
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors.setdefault("ends_at", []).append(_("The session must end after it starts."))
    if errors:
        raise ValidationError(errors)
    session.full_clean(exclude=["code"])


@transaction.atomic
def session_create(
    *,
    actor,
    course: Course,
    site,
    location: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    trainer=None,
    trainer_name: str = "",
    trainer_organisation: str = "",
    notes: str = "",
) -> TrainingSession:
    """Plan a session of ``course`` at ``site``; it gets its check-in code now."""
    if actor is not None and not user_can_at_site(actor, PERM_ADD, site):
        raise PermissionDenied(_("You may not plan training sessions at site %(site)s.") % {"site": site.code})
    session = TrainingSession(
        course=course,
        site=site,
        trainer=trainer,
        trainer_name=(trainer_name or "").strip(),
        trainer_organisation=(trainer_organisation or "").strip(),
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        notes=notes or "",
        created_by=actor,
        code=_new_code(),
    )
    _validate(session)
    session.save()
    return session


def _locked(session: TrainingSession) -> TrainingSession:
    return TrainingSession._base_manager.select_for_update().select_related("site", "course").get(pk=session.pk)


@transaction.atomic
def session_update(*, actor, session: TrainingSession, data: dict) -> TrainingSession:
    """Change a planned session; the site and the code stay; capacity never drops below the people enrolled."""
    if actor is not None and not may_manage(actor, session.site):
        raise PermissionDenied(_("You may not change training sessions at this site."))
    session = _locked(session)
    if "site" in data and data["site"] is not None and data["site"].pk != session.site_id:
        raise ValidationError({"site": _("A session stays at its site; cancel it and plan a new one.")})
    if session.status != SessionStatus.PLANNED:
        raise SessionRefused(_("Only planned sessions can be changed."), code="not_planned")
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(session, name, data[name])
    enrolled = session.attendances.count()
    if session.capacity is not None and session.capacity < enrolled:
        raise ValidationError(
            {"capacity": _("%(n)s people are enrolled; the capacity cannot be lower.") % {"n": enrolled}}
        )
    _validate(session)
    session.save()
    return session


@transaction.atomic
def session_cancel(*, actor, session: TrainingSession, note: str = "") -> TrainingSession:
    """Cancel a planned session (kept, never deleted); enrolled people keep their open assignments."""
    if actor is not None and not user_can_at_site(actor, PERM_CANCEL, session.site):
        raise PermissionDenied(_("You may not cancel training sessions at this site."))
    session = _locked(session)
    if session.status != SessionStatus.PLANNED:
        raise SessionRefused(_("Only planned sessions can be cancelled."), code="not_planned")
    note = (note or current_audit_context().get("reason") or "").strip()
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = db_now()
    session.cancel_note = note[:300]
    with _reason(_("Training session cancelled")):
        session.save(update_fields=["status", "cancelled_at", "cancel_note", "updated_at"])
    return session


@transaction.atomic
def session_close(*, actor, session: TrainingSession) -> TrainingSession:
    """The trainer closes a session once it has started: whoever is not marked present is recorded absent."""
    _ensure_may_run(actor, session)
    session = _locked(session)
    if session.status != SessionStatus.PLANNED:
        raise SessionRefused(_("This session is already closed or cancelled."), code="not_planned")
    now = db_now()
    if now < session.starts_at:
        raise SessionRefused(_("A session can be closed once it has started."), code="not_started")
    with _reason(_("Training session closed by the trainer")):
        session.attendances.filter(attended__isnull=True).update(
            attended=False, checked_in_by=CheckInMethod.TRAINER, checked_in_at=now, marked_by=actor, updated_at=now
        )
        session.status = SessionStatus.HELD
        session.held_at = now
        session.save(update_fields=["status", "held_at", "updated_at"])
    return session


# --- Enrolment and attendance ---------------------------------------------------------------------------------


def _enrol_locked(*, session: TrainingSession, person, enrolled_by) -> Attendance:
    """Enrol ``person`` in the locked ``session``: people of the site only, capacity enforced."""
    if session.status != SessionStatus.PLANNED:
        raise SessionRefused(_("People can only be enrolled in planned sessions."), code="not_planned")
    if not is_site_member(person, session.site):
        raise ValidationError(
            {
                "person": _("%(person)s is not a member of site %(site)s.")
                % {"person": person, "site": session.site.code}
            }
        )
    if Attendance._base_manager.filter(session=session, person=person).exists():
        raise ValidationError({"person": _("%(person)s is already enrolled.") % {"person": person}})
    if session.attendances.count() >= session.capacity:
        raise SessionRefused(_("The session is full (%(n)s places).") % {"n": session.capacity}, code="session_full")
    attendance = Attendance(session=session, person=person, enrolled_by=enrolled_by, enrolled_at=db_now())
    attendance.full_clean()
    attendance.save()
    return attendance


@transaction.atomic
def attendance_enrol(*, actor, session: TrainingSession, person) -> Attendance:
    """Enrol a person of the session's site (typically one with an open assignment of the course)."""
    if actor is not None and not may_enrol(actor, session):
        raise PermissionDenied(_("You may not enrol people in this session."))
    session = _locked(session)
    with _reason(_("Enrolled in a training session")):
        return _enrol_locked(session=session, person=person, enrolled_by=actor)


@transaction.atomic
def attendance_mark(*, actor, attendance: Attendance, attended: bool) -> Attendance:
    """The trainer records one person present or absent (also after closing, to correct the roster)."""
    session = attendance.session
    _ensure_may_run(actor, session)
    _locked(session)
    attendance = Attendance._base_manager.select_for_update().get(pk=attendance.pk)
    if session.status == SessionStatus.CANCELLED:
        raise SessionRefused(_("The session was cancelled."), code="cancelled")
    if attendance.record_id is not None:
        raise SessionRefused(
            _("%(person)s has signed the training record; the attendance can no longer change.")
            % {"person": attendance.person},
            code="signed",
        )
    now = db_now()
    attendance.attended = bool(attended)
    attendance.checked_in_by = CheckInMethod.TRAINER
    attendance.checked_in_at = now
    attendance.marked_by = actor
    with _reason(_("Attendance recorded by the trainer")):
        attendance.save(update_fields=["attended", "checked_in_by", "checked_in_at", "marked_by", "updated_at"])
    return attendance


def session_for_code(code: str) -> TrainingSession | None:
    code = normalise_code(code)
    if not code:
        return None
    return TrainingSession._base_manager.select_related("site", "course").filter(code=code).first()


# Wrong session codes a person may type before check-in pauses (guessing a 6-character code is then hopeless).
CHECK_IN_FAILURE_LIMIT = 10
CHECK_IN_FAILURE_MINUTES = 15


@transaction.atomic
def attendance_check_in(*, actor, code: str) -> Attendance:
    """The signed-in person checks in with the session code; a person of the site who is not enrolled is a
    walk-in (enrolled now, capacity permitting). A wrong or expired code records nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to check in."))
    failures_key = f"training:check-in-failures:{actor.pk}"
    if (cache.get(failures_key) or 0) >= CHECK_IN_FAILURE_LIMIT:
        raise SessionRefused(
            {"code": _("Too many wrong codes. Try again in %(n)s minutes.") % {"n": CHECK_IN_FAILURE_MINUTES}}
        )
    session = session_for_code(code)
    if session is None or not is_site_member(actor, session.site):
        # Another site's session answers like a wrong code: nothing about it is revealed. Guessing is limited.
        if not cache.add(failures_key, 1, timeout=CHECK_IN_FAILURE_MINUTES * 60):
            cache.incr(failures_key)
        raise SessionRefused({"code": _("No session has this code. Check the code shown by your trainer.")})
    session = _locked(session)
    now = db_now()
    if session.status == SessionStatus.CANCELLED:
        raise SessionRefused({"code": _("This session was cancelled.")})
    if not session.check_in_open_at(now):
        raise SessionRefused(
            {
                "code": _(
                    "This code is not valid now: check-in for this session is open from %(opens)s to %(closes)s "
                    "(%(tz)s)."
                )
                % {
                    "opens": session.check_in_opens.astimezone(session.site.tzinfo).strftime("%Y-%m-%d %H:%M"),
                    "closes": session.check_in_closes.astimezone(session.site.tzinfo).strftime("%Y-%m-%d %H:%M"),
                    "tz": session.site.timezone,
                }
            }
        )
    with _reason(_("Checked in with the session code")):
        attendance = Attendance._base_manager.select_for_update().filter(session=session, person=actor).first()
        if attendance is None:
            attendance = _enrol_locked(session=session, person=actor, enrolled_by=actor)
        if attendance.attended is True:
            return attendance
        attendance.attended = True
        attendance.checked_in_by = CheckInMethod.SELF
        attendance.checked_in_at = now
        attendance.marked_by = actor
        attendance.save(update_fields=["attended", "checked_in_by", "checked_in_at", "marked_by", "updated_at"])
    return attendance


# --- Signing "trained" ----------------------------------------------------------------------------------------


def open_assignment_for(attendance: Attendance) -> Assignment | None:
    return (
        Assignment._base_manager.filter(
            person_id=attendance.person_id, course_id=attendance.session.course_id, status=AssignmentStatus.OPEN
        )
        .order_by("due_date", "pk")
        .first()
    )


def sign_refusal(attendance: Attendance, *, now: datetime.datetime | None = None) -> str | None:
    """Why ``attendance`` cannot be signed now (``None``: it can). The same rule for the page and the service."""
    session = attendance.session
    if attendance.record_id is not None:
        return _("You have signed this training already.")
    if session.status == SessionStatus.CANCELLED:
        return _("The session was cancelled.")
    if attendance.attended is not True:
        return _("Your attendance has not been recorded; check in with the session code or ask the trainer.")
    if (now or db_now()) < session.starts_at:
        return _("You can sign once the session has started.")
    if session.course.has_assessment:
        return _("This course has an assessment: pass it to complete the training.")
    if open_assignment_for(attendance) is None:
        return _("You have no open assignment of this course; nothing needs signing.")
    return None


def attendance_sign(
    *,
    actor,
    attendance: Attendance,
    password: str | None,
    username: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> TrainingRecord:
    """The attendee signs "trained" for the course: the record is created, their assignment closed, and the
    record linked to the attendance (for the attendance sheet).

    Not atomic on purpose: the e-signature ceremony commits failed attempts even when it refuses.
    """
    attendance = Attendance._base_manager.select_related("session__course", "session__site", "session__trainer").get(
        pk=attendance.pk
    )
    if actor is None or attendance.person_id != actor.pk:
        raise PermissionDenied(_("Only the attendee signs their own training."))
    refusal = sign_refusal(attendance)
    if refusal:
        raise SessionRefused(refusal, code="cannot_sign")
    training = attendance.session
    record = services.record_create_signed(
        actor=actor,
        assignment=open_assignment_for(attendance),
        method=TrainingMethod.SESSION,
        password=password,
        username=username,
        trainer=training.trainer,
        completed_on=training.starts_local.date(),
        session=session,
        channel=channel,
        ip=ip,
        on_signed=lambda record: _link_attendance(attendance, record),
    )
    return record


def _link_attendance(attendance: Attendance, record) -> None:
    with _reason(_("Training record signed after the session")):
        Attendance._base_manager.filter(pk=attendance.pk, record__isnull=True).update(record=record)


def attendances_to_sign(*, person) -> list[Attendance]:
    """The person's attendances that they can sign now (for the check-in page)."""
    now = db_now()
    candidates = (
        Attendance._base_manager.filter(
            person=person,
            attended=True,
            record__isnull=True,
            session__starts_at__lte=now,
            session__course__has_assessment=False,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__course", "session__site")
        .order_by("-session__starts_at")[:20]
    )
    open_courses = set(
        Assignment._base_manager.filter(person=person, status=AssignmentStatus.OPEN).values_list("course_id", flat=True)
    )
    return [a for a in candidates if a.session.course_id in open_courses]
