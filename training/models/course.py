"""What people are trained on: courses (with linked controlled documents and materials) and curricula."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9._-]*$", _("Use capital letters, digits, '.', '_' and '-' only."))
COURSE_SITES_SQL = "ARRAY(SELECT s.site_id FROM training_course_sites s WHERE s.course_id = {})"


@audited(ignored=("updated_at",), site_sql=COURSE_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites")
class Course(RegulatedModel):
    """A unit of training: read a procedure, attend a session, pass an assessment, show a skill."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sites = models.ManyToManyField("org.Site", related_name="courses", verbose_name=_("sites"))
    documents = models.ManyToManyField(
        "documents.ControlledDocument",
        related_name="courses",
        blank=True,
        verbose_name=_("controlled documents"),
        help_text=_("Training is on their effective versions; a new effective version makes the course due again."),
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    has_assessment = models.BooleanField(_("assessment required"), default=False)
    requires_practical = models.BooleanField(
        _("practical sign-off"), default=False, help_text=_("A trainer verifies the skill before it counts.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("training:course_detail", args=[self.pk])


@audited(ignored=("updated_at",), site_sql=COURSE_SITES_SQL.format("r.course_id"))
@site_scoped(site_lookup="course__sites")
class CourseMaterial(RegulatedModel):
    """A link or file to study for a course (controlled documents are linked on the course itself)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="materials", verbose_name=_("course"))
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="training/", blank=True, max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["course", "title"]
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(url="") | ~models.Q(file=""), name="training_material_link_or_file"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:material_detail", args=[self.pk])


@audited(
    ignored=("updated_at",),
    site_sql="ARRAY(SELECT s.site_id FROM training_curriculum_sites s WHERE s.curriculum_id = r.id)",
)
@site_scoped(site_lookup="sites")
class Curriculum(RegulatedModel):
    """A named set of courses required together (e.g. "GMP basics for production operators")."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    title = models.CharField(_("title"), max_length=200)
    sites = models.ManyToManyField("org.Site", related_name="curricula", verbose_name=_("sites"))
    courses = models.ManyToManyField(Course, related_name="curricula", verbose_name=_("courses"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["code"]
        verbose_name = _("curriculum")
        verbose_name_plural = _("curricula")

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("training:curriculum_detail", args=[self.pk])
