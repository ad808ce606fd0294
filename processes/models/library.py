"""Step 2 of the IMS: the library of standards and regulations the company's processes are assessed against.

A standard (or regulation, guidance, company standard) in one edition, its clauses (number, short title and a
summary of what it requires written by us, never the standard's text) and the mappings between clauses of
different standards, from which the overlap and redundancy view groups the requirements. Reference data,
company-wide: every active user reads it; changes are audited; nothing is ever deleted (an edition is retired).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.audit.registry import audited
from ims.documents.choices import Discipline
from ims.org.models import RegulatedModel


class StandardKind(models.TextChoices):
    ISO = "iso", _("ISO standard")
    REGULATION = "regulation", _("Regulation")
    GUIDANCE = "guidance", _("Guidance")
    COMPANY = "company", _("Company standard")


class MappingRelation(models.TextChoices):
    EQUAL = "equal", _("equal")
    SUBSET = "subset", _("subset of")
    SUPERSET = "superset", _("superset of")
    OVERLAPS = "overlaps", _("overlaps")


@audited(ignored=("updated_at",))
class Standard(RegulatedModel):
    """One edition of a standard or regulation; a new edition is a new standard (assessments keep theirs)."""

    code = models.CharField(_("code"), max_length=60)
    edition = models.CharField(_("edition"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=StandardKind.choices)
    disciplines = ArrayField(
        models.CharField(max_length=16, choices=Discipline.choices),
        default=list,
        blank=True,
        verbose_name=_("disciplines"),
    )
    is_active = models.BooleanField(
        _("current"), default=True, help_text=_("Retired editions stay for old assessments.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "edition"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [models.UniqueConstraint(fields=["code", "edition"], name="processes_standard_edition_once")]

    def __str__(self) -> str:
        return f"{self.code}:{self.edition}"

    def get_absolute_url(self) -> str:
        return reverse("processes:standard_detail", args=[self.pk])


@audited(ignored=("updated_at",))
class Clause(RegulatedModel):
    """A clause of one standard: its number, short title and what it requires, in our words."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("standard"))
    number = models.CharField(_("number"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("requirement in brief"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of")
    )
    position = models.PositiveIntegerField(_("position"), help_text=_("Order in the standard."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["standard", "position"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="processes_clause_number_once")]
        indexes = [models.Index(fields=["standard", "position"], name="processes_clause_order")]

    def __str__(self) -> str:
        return f"{self.standard.code} {self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("processes:standard_detail", args=[self.standard_id]) + f"#clause-{self.pk}"


@audited(ignored=("updated_at",))
class ClauseMapping(RegulatedModel):
    """How a clause of one standard relates to a clause of another (read from ``source`` towards ``target``)."""

    source = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="mappings_out", verbose_name=_("clause"))
    target = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="mappings_in", verbose_name=_("maps to"))
    relation = models.CharField(_("relation"), max_length=10, choices=MappingRelation.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "target"]
        verbose_name = _("clause mapping")
        verbose_name_plural = _("clause mappings")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="processes_mapping_once"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="processes_mapping_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_relation_display()} {self.target}"

    def get_absolute_url(self) -> str:
        return self.source.get_absolute_url()
