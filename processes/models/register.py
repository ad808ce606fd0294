"""The process register: what the company does, who owns it, where, and which requirements it meets.

A ``Process`` is described the SIPOC way (suppliers, inputs, outputs, customers, one per line), belongs to
one or more sites, is run by functions (the lanes of its map), is measured by objectives' KPIs, is
documented by controlled documents and addresses clauses of the standards. Its flowchart is a controlled
document of type "process map" (``map_document``) whose versions hold BPMN 2.0 XML.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.documents.models import DOCUMENT_SITES_SQL
from ims.org.models import RegulatedModel

code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9._-]*$", _("Use capital letters, digits, '.', '_' and '-' only."))
PROCESS_SITES_SQL = "ARRAY(SELECT s.site_id FROM processes_process_sites s WHERE s.process_id = {})"


class ProcessType(models.TextChoices):
    MANAGEMENT = "management", _("Management")
    CORE = "core", _("Core")
    SUPPORT = "support", _("Support")


@audited(ignored=("updated_at",), site_sql=PROCESS_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites")
class Process(RegulatedModel):
    """A process of the management system, described SIPOC-style, with its owner, sites and map."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    process_type = models.CharField(_("type"), max_length=12, choices=ProcessType.choices)
    purpose = models.TextField(_("purpose"), blank=True)
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="owned_processes", verbose_name=_("owner")
    )
    sites = models.ManyToManyField("org.Site", related_name="processes", verbose_name=_("sites"))
    functions = models.ManyToManyField(
        "org.Function",
        related_name="processes",
        blank=True,
        verbose_name=_("functions"),
        help_text=_("The functions that take part (the lanes of the map)."),
    )
    suppliers = models.TextField(_("suppliers"), blank=True, help_text=_("One per line."))
    inputs = models.TextField(_("inputs"), blank=True, help_text=_("One per line."))
    outputs = models.TextField(_("outputs"), blank=True, help_text=_("One per line."))
    customers = models.TextField(_("customers"), blank=True, help_text=_("One per line."))
    objectives = models.ManyToManyField(
        "policies.Objective",
        related_name="processes",
        blank=True,
        verbose_name=_("KPIs (objectives)"),
        help_text=_("The objectives whose KPIs measure this process."),
    )
    documents = models.ManyToManyField(
        "documents.ControlledDocument",
        related_name="processes",
        blank=True,
        verbose_name=_("controlled documents"),
        help_text=_("Procedures, work instructions and forms of the process."),
    )
    map_document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mapped_processes",
        limit_choices_to={"doc_type": "process_map"},
        verbose_name=_("process map"),
    )
    clauses = models.ManyToManyField(
        "processes.Clause", related_name="processes", blank=True, verbose_name=_("clauses addressed")
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired processes are kept."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["code"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("processes:process_detail", args=[self.pk])

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]


@audited(ignored=("updated_at",), site_sql=PROCESS_SITES_SQL.format("r.source_id"))
@site_scoped(site_lookup="source__sites")
class ProcessInteraction(RegulatedModel):
    """An output of one process that another takes as input (an arrow of the process landscape)."""

    source = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="interactions_out", verbose_name=_("from process")
    )
    target = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="interactions_in", verbose_name=_("to process")
    )
    description = models.CharField(_("what passes"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["source", "target"]
        verbose_name = _("process interaction")
        verbose_name_plural = _("process interactions")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="processes_interaction_once"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="processes_interaction_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code} → {self.target.code}"

    def get_absolute_url(self) -> str:
        return reverse("processes:process_detail", args=[self.source_id])


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format("r.document_id"))
@site_scoped(site_lookup="document__sites")
class DocumentClause(RegulatedModel):
    """A controlled document addresses a clause (the overlap view counts these to find redundancy)."""

    document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        related_name="clause_links",
        verbose_name=_("document"),
    )
    clause = models.ForeignKey(
        "processes.Clause", on_delete=models.PROTECT, related_name="document_links", verbose_name=_("clause")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["document", "clause"]
        verbose_name = _("document–clause link")
        verbose_name_plural = _("document–clause links")
        constraints = [models.UniqueConstraint(fields=["document", "clause"], name="processes_documentclause_once")]

    def __str__(self) -> str:
        return f"{self.document.number} → {self.clause}"

    def get_absolute_url(self) -> str:
        return reverse("documents:document_detail", args=[self.document_id])
