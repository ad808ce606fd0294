"""Who must be trained on what (requirements), the resulting assignments, and the training records.

A ``TrainingRequirement`` says: at this site, people in this function (or any) holding this role (or any)
must be trained on this course or curriculum, again every N months. ``training.assignments`` turns the
requirements and the current memberships into ``Assignment`` rows (person × course, with a due date and the
reason), set-based and idempotent. Completing an assignment writes a ``TrainingRecord`` signed by the trainee
("trained"). Nothing is deleted: leaving a role cancels open assignments with the reason kept.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.documents.choices import DocumentType
from ims.esign.registry import SignatureLink, signable
from ims.org.models import RegulatedModel

from ..choices import AssignmentReason, AssignmentStatus, CancelReason, TrainingMethod


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class TrainingRequirement(RegulatedModel):
    """Site × function (or all) × role (or all) → a course or a curriculum, with recurrence and grace."""

    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="training_requirements", verbose_name=_("site")
    )
    function = models.ForeignKey(
        "org.Function",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("function"),
        help_text=_("Empty: every function at the site."),
    )
    role = models.ForeignKey(
        "org.Role",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role"),
        help_text=_("Empty: every role except external read-only ones."),
    )
    course = models.ForeignKey(
        "training.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("course"),
    )
    curriculum = models.ForeignKey(
        "training.Curriculum",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("curriculum"),
    )
    recurrence_months = models.PositiveSmallIntegerField(
        _("retrain every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: once."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days to complete"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("From the day it is assigned (new role, revised document, retraining due)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["site__code", "pk"]
        verbose_name = _("training requirement")
        verbose_name_plural = _("training requirements")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(course__isnull=False) & models.Q(curriculum__isnull=True))
                | (models.Q(course__isnull=True) & models.Q(curriculum__isnull=False)),
                name="training_requirement_course_or_curriculum",
            )
        ]

    def __str__(self) -> str:
        what = self.course or self.curriculum
        who = " · ".join(str(x) for x in (self.site.code, self.function, self.role) if x)
        return f"{who} → {what}"

    def get_absolute_url(self) -> str:
        return reverse("training:requirement_detail", args=[self.pk])


class AssignmentQuerySet(RestrictedQuerySet):
    def open(self) -> AssignmentQuerySet:
        return self.filter(status=AssignmentStatus.OPEN)

    def overdue(self, on=None) -> AssignmentQuerySet:
        return self.open().filter(due_date__lt=on or timezone.localdate())


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class Assignment(RegulatedModel):
    """One person's training to do on one course, with its due date and why it exists."""

    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="training_assignments", verbose_name=_("person")
    )
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("course")
    )
    # Where the person needs it (the site of the requirement, or of the manual assignment): who sees it.
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    requirement = models.ForeignKey(
        TrainingRequirement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("requirement"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=AssignmentReason.choices)
    document_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document version"),
        help_text=_("The revision that made this training due."),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=16, choices=CancelReason.choices, blank=True)
    cancel_note = models.CharField(_("note"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assigned by")
    )
    reminded_days = models.PositiveSmallIntegerField(
        _("last reminder (days before due)"),
        null=True,
        blank=True,
        help_text=_("The reminder step last sent, so a re-run sends nothing new."),
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(AssignmentQuerySet)()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"], condition=models.Q(status="open"), name="training_assignment_one_open"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled")
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancel_reason="")),
                name="training_assignment_cancel_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="training_asg_person_status"),
            models.Index(fields=["site", "course", "status"], name="training_asg_site_course"),
            models.Index(fields=["status", "due_date"], name="training_asg_status_due"),
            # The lists' default order: a page is read from the index, not sorted from every visible row.
            models.Index(fields=["due_date", "id"], name="training_asg_due_id"),
            models.Index(fields=["site", "due_date", "id"], name="training_asg_site_due_id"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} · {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("training:assignment_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == AssignmentStatus.OPEN and self.due_date < timezone.localdate()


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("verify",))
@signable(
    fields=("person", "course", "document_version", "completed_on", "method", "score"),
    immutable=True,
    meanings=("trained", "verified"),
    workflow_meanings=("trained", "verified"),
    link=SignatureLink(field="signature", signer="person", meanings=("trained",)),
)
class TrainingRecord(RegulatedModel):
    """Evidence that a person was trained on a course (on a document version), signed "trained"."""

    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="training_records", verbose_name=_("person")
    )
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="records", verbose_name=_("course")
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="record", verbose_name=_("assignment")
    )
    document_version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document version trained on"),
    )
    method = models.CharField(_("method"), max_length=12, choices=TrainingMethod.choices)
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: does not expire."))
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    trainer = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("trainer")
    )
    signature = models.OneToOneField(
        "esign.Signature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signature"),
    )
    verified_at = models.DateTimeField(_("skill verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        permissions = [("verify_trainingrecord", "Can verify a practical skill as a trainer")]
        indexes = [
            models.Index(fields=["person", "course", "completed_on"], name="training_rec_person_course"),
            # The list's default order (newest first), read from the index.
            models.Index(fields=["-completed_on", "-id"], name="training_rec_completed_id"),
            models.Index(fields=["site", "-completed_on", "-id"], name="training_rec_site_completed_id"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} · {self.person} · {self.completed_on}"

    def get_absolute_url(self) -> str:
        return reverse("training:record_detail", args=[self.pk])


@audited(ignored=("updated_at",))
class SignerQualification(models.Model):
    """Part 11 §11.10(i): to review or approve documents of a type, a signer must be current on a course.

    Company-wide configuration, changed by Global Admins (and audited like every configuration record).
    """

    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices, blank=True)
    duty = models.CharField(
        _("duty"),
        max_length=40,
        blank=True,
        help_text=_("Instead of a document type: a duty a record asks its signers for (e.g. internal_audit)."),
    )
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="signer_qualifications", verbose_name=_("course")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["doc_type", "course__code"]
        verbose_name = _("signer qualification")
        verbose_name_plural = _("signer qualifications")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "duty", "course"], name="training_signer_qualification_unique"),
            models.CheckConstraint(
                condition=(models.Q(doc_type="") & ~models.Q(duty="")) | (~models.Q(doc_type="") & models.Q(duty="")),
                name="training_signer_qualification_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display() or self.duty} ← {self.course.code}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Signer qualifications are deactivated, never deleted.")
