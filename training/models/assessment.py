"""Competency assessments: a question bank per course, its settings, and the attempts of the trainees.

An ``Attempt`` keeps the questions and the order of their choices drawn for it, so the page shows exactly what
was drawn and the grading (on the server, ``training.assessments``) can be reproduced. The correct answers live
only on ``Choice.is_correct`` and never leave the server before the attempt is submitted. Choices and answers
belong to their question and attempt: they are read and written only through them (no scope of their own).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from .course import COURSE_SITES_SQL

QUESTION_SITES_SQL = (
    "ARRAY(SELECT s.site_id FROM training_course_sites s JOIN training_question q ON q.course_id = s.course_id "
    "WHERE q.id = r.question_id)"
)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


@audited(ignored=("updated_at",), site_sql=COURSE_SITES_SQL.format("r.course_id"))
@site_scoped(site_lookup="course__sites")
class Question(RegulatedModel):
    """One question of a course's bank; an attempt draws from the active ones."""

    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="questions", verbose_name=_("course")
    )
    text = models.TextField(_("question"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["course", "pk"]
        verbose_name = _("assessment question")
        verbose_name_plural = _("assessment questions")

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def get_absolute_url(self) -> str:
        return reverse("training:question_edit", args=[self.pk])


@audited(ignored=("updated_at",), site_sql=QUESTION_SITES_SQL)
class Choice(RegulatedModel):
    """A possible answer to a question. ``is_correct`` is the answer key: it stays on the server."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="choices", verbose_name=_("question"))
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")

    def __str__(self) -> str:
        return self.text


@audited(ignored=("updated_at",), site_sql=COURSE_SITES_SQL.format("r.course_id"))
class AssessmentSettings(models.Model):
    """How a course's assessment is taken: pass mark, questions drawn, order, retakes. Part of the course."""

    course = models.OneToOneField(
        "training.Course", on_delete=models.PROTECT, related_name="assessment_settings", verbose_name=_("course")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Drawn at random from the active questions. Empty: all of them."),
    )
    random_order = models.BooleanField(
        _("random order"), default=True, help_text=_("Shuffle the questions and their answers for each attempt.")
    )
    retake_limit = models.PositiveSmallIntegerField(
        _("retakes allowed"),
        null=True,
        blank=True,
        default=2,
        validators=[MaxValueValidator(50)],
        help_text=_("How often a failed assessment may be taken again for one assignment. Empty: no limit."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["course"]
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")

    def __str__(self) -> str:
        return str(_("Assessment of %(course)s") % {"course": self.course.code})

    def delete(self, *args, **kwargs):
        raise PermissionError("Assessment settings are changed, never deleted.")

    @property
    def attempts_allowed(self) -> int | None:
        return None if self.retake_limit is None else self.retake_limit + 1


class AttemptQuerySet(RestrictedQuerySet):
    def unfinished(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=True)

    def failed(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=False, passed=False)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class Attempt(RegulatedModel):
    """One try at a course's assessment for an open assignment: what was drawn, when, the score and the result."""

    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="assessment_attempts", verbose_name=_("person")
    )
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="attempts", verbose_name=_("course")
    )
    assignment = models.ForeignKey(
        "training.Assignment", on_delete=models.PROTECT, related_name="attempts", verbose_name=_("assignment")
    )
    # The assignment's site: who may see the attempt (as for the assignment and the record).
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    started_at = models.DateTimeField(_("started"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    question_ids = ArrayField(models.BigIntegerField(), verbose_name=_("questions drawn, in order"))
    choice_order = models.JSONField(
        _("order of the answers"), default=dict, help_text=_("Question id → choice ids in the order shown.")
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    record = models.OneToOneField(
        "training.TrainingRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempt",
        verbose_name=_("training record"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(AttemptQuerySet)()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("assessment attempt")
        verbose_name_plural = _("assessment attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=models.Q(submitted_at__isnull=True),
                name="training_attempt_one_unfinished",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True, score__isnull=True, passed__isnull=True)
                | models.Q(submitted_at__isnull=False, score__isnull=False, passed__isnull=False),
                name="training_attempt_graded_when_submitted",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "submitted_at"], name="training_attempt_assignment")]

    def __str__(self) -> str:
        return f"{self.course.code} · {self.person} · {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("training:attempt_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


@audited(site_sql="ARRAY(SELECT a.site_id FROM training_attempt a WHERE a.id = r.attempt_id)")
class AttemptAnswer(RegulatedModel):
    """The answer given to one drawn question, graded at submission and never changed afterwards."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="answers", verbose_name=_("attempt"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    choice_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("answers chosen"))
    is_correct = models.BooleanField(_("correct"))

    class Meta:
        ordering = ["attempt", "pk"]
        verbose_name = _("assessment answer")
        verbose_name_plural = _("assessment answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="training_attemptanswer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id}"
