"""Checklist templates: the questions an audit's checklist is generated from (company-wide reference data).

A template holds questions for clauses (replacing the default "Show evidence that <clause> is met") and
questions for a process (asked whenever the process is in an audit's scope).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..constants import DEFAULT_CLAUSE_QUESTION


@audited(ignored=("updated_at",))
class ChecklistTemplate(RegulatedModel):
    """A named set of audit questions; ``clause_question`` is the text asked for a clause with no question."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    clause_question = models.CharField(
        _("default question for a clause"),
        max_length=300,
        default=DEFAULT_CLAUSE_QUESTION,
        help_text=_("{clause} is replaced by the clause's number and short title."),
    )
    is_default = models.BooleanField(_("default template"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="audits_checklisttemplate_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("audits:template_detail", args=[self.pk])


@audited(ignored=("updated_at",))
class TemplateQuestion(RegulatedModel):
    """A question of a template, for a clause or for a process (or both)."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="questions", verbose_name=_("template")
    )
    clause = models.ForeignKey(
        "processes.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_questions",
        verbose_name=_("clause"),
    )
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_questions",
        verbose_name=_("process"),
    )
    text = models.TextField(_("question"))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["template", "position", "pk"]
        verbose_name = _("template question")
        verbose_name_plural = _("template questions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clause__isnull=False) | models.Q(process__isnull=False),
                name="audits_templatequestion_for_something",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("audits:template_detail", args=[self.template_id]) + f"#question-{self.pk}"
