"""Instructor-led sessions and their attendance.

A ``TrainingSession`` is one sitting of a course at a site: a trainer (a person of the organisation, or an external
trainer named with their organisation), a place, a start and an end (stored in UTC, shown in the site's time zone)
and a capacity. People are enrolled (``Attendance``); the trainer marks who was present, or attendees check
themselves in by entering the session's short code on a phone or kiosk while the session runs. A present attendee
with an open assignment of the course signs "trained": the ``TrainingRecord`` it creates is linked here, so the
attendance sheet shows each attendee's signature manifestation.
"""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

#: The session code: short, typed on a phone, without look-alike characters (0/O, 1/I/L).
SESSION_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SESSION_CODE_LENGTH = 6
#: Self check-in with the code is open from this long before the start until this long after the end.
CHECK_IN_BEFORE = datetime.timedelta(minutes=30)
CHECK_IN_AFTER = datetime.timedelta(minutes=30)
MAX_CAPACITY = 500


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class CheckInMethod(models.TextChoices):
    """Who recorded the attendance: the trainer (roster), or the attendee with the session code."""

    TRAINER = "trainer", _("Marked by the trainer")
    SELF = "self", _("Checked in with the session code")


class TrainingSessionQuerySet(RestrictedQuerySet):
    def with_enrolled(self) -> TrainingSessionQuerySet:
        return self.annotate(
            enrolled_count=models.Count("attendances", distinct=True),
            present_count=models.Count("attendances", filter=models.Q(attendances__attended=True), distinct=True),
        )

    def upcoming(self) -> TrainingSessionQuerySet:
        return self.filter(status=SessionStatus.PLANNED, ends_at__gte=timezone.now())


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("run",))
class TrainingSession(RegulatedModel):
    """One instructor-led sitting of a course at a site, with its trainer, place, time and capacity."""

    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("site")
    )
    trainer = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions_given",
        verbose_name=_("trainer"),
        help_text=_("A trainer of the organisation; leave empty for an external trainer."),
    )
    trainer_name = models.CharField(_("external trainer"), max_length=200, blank=True)
    trainer_organisation = models.CharField(_("trainer's organisation"), max_length=200, blank=True)
    location = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=20, validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    code = models.CharField(
        _("session code"),
        max_length=12,
        unique=True,
        editable=False,
        help_text=_("Attendees enter it to check in, from shortly before the start until shortly after the end."),
    )
    notes = models.TextField(_("notes"), blank=True)
    held_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_note = models.CharField(_("why cancelled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(TrainingSessionQuerySet)()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        permissions = [("run_trainingsession", "Can run own training sessions as their trainer")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="training_trainingsession_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(trainer__isnull=False) | ~models.Q(trainer_name=""),
                name="training_trainingsession_has_trainer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | models.Q(cancelled_at__isnull=False),
                name="training_trainingsession_cancelled_at",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "starts_at"], name="training_session_site_start"),
            models.Index(fields=["course", "starts_at"], name="training_session_course"),
        ]

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.site.tzinfo) if self.starts_at else None
        when = local.strftime("%Y-%m-%d %H:%M %Z") if local else ""
        return f"{self.course.code} · {when} · {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.pk])

    @property
    def trainer_display(self) -> str:
        if self.trainer_id:
            return self.trainer.display_name
        if self.trainer_organisation:
            return f"{self.trainer_name} ({self.trainer_organisation})"
        return self.trainer_name

    @property
    def starts_local(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.site.tzinfo)

    @property
    def ends_local(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.site.tzinfo)

    @property
    def check_in_opens(self) -> datetime.datetime:
        return self.starts_at - CHECK_IN_BEFORE

    @property
    def check_in_closes(self) -> datetime.datetime:
        return self.ends_at + CHECK_IN_AFTER

    def check_in_open_at(self, now: datetime.datetime) -> bool:
        return self.status == SessionStatus.PLANNED and self.check_in_opens <= now <= self.check_in_closes


class AttendanceQuerySet(RestrictedQuerySet):
    def present(self) -> AttendanceQuerySet:
        return self.filter(attended=True)


@audited(
    ignored=("updated_at",),
    site_sql="ARRAY(SELECT s.site_id FROM training_trainingsession s WHERE s.id = r.session_id)",
)
@site_scoped(site_lookup="session__site")
class Attendance(RegulatedModel):
    """One person enrolled in a session; whether they attended, who recorded it, and their signed record."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("session")
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="training_attendances", verbose_name=_("person")
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("enrolled by")
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True, help_text=_("Empty: not recorded yet."))
    checked_in_by = models.CharField(_("recorded by"), max_length=10, choices=CheckInMethod.choices, blank=True)
    checked_in_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("marked by")
    )
    record = models.OneToOneField(
        "training.TrainingRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("training record"),
        help_text=_("The record the attendee signed \u201ctrained\u201d after the session."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(AttendanceQuerySet)()

    class Meta:
        ordering = ["session", "person__last_name", "person__first_name", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_attendance_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(attended__isnull=True) | ~models.Q(checked_in_by=""),
                name="training_attendance_recorded_how",
            ),
            models.CheckConstraint(
                condition=models.Q(record__isnull=True) | models.Q(attended=True),
                name="training_attendance_record_needs_presence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.session_id])
