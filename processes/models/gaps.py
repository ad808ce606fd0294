"""Gap assessments and statements of applicability.

A ``GapAssessment`` assesses one site (or, as a campaign, several) against chosen standards: draft →
in progress → completed → approved (electronic signature). It holds one ``ClauseResult`` per site and
applicable clause: conforming / partial / gap / not applicable (with a justification), evidence, owner, due
date and an action raised through the kernel's action registry. Completing it fixes a digest of its
results, which the approval signature binds.

A site's ``ApplicabilityStatement`` lists, per clause of the standards it declares, whether the clause
applies and why not when it does not; each version is approved with a signature and supersedes the last.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

ASSESSMENT_SITES_SQL = "ARRAY(SELECT s.site_id FROM processes_gapassessment_sites s WHERE s.gapassessment_id = {})"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    APPROVED = "approved", _("Approved")


class ResultStatus(models.TextChoices):
    CONFORMING = "conforming", _("Conforming")
    PARTIAL = "partial", _("Partially conforming")
    GAP = "gap", _("Gap")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


@audited(ignored=("updated_at",), site_sql=ASSESSMENT_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites", extra_actions=("approve",))
@signable(
    fields=("reference", "title", "results_digest", "completed_at"),
    immutable=False,
    meanings=("approved",),
    workflow_meanings=("approved",),
)
class GapAssessment(RegulatedModel):
    """An assessment of one or more sites against chosen standards, clause by clause."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    sites = models.ManyToManyField(
        "org.Site",
        related_name="gap_assessments",
        verbose_name=_("sites"),
        help_text=_("One site, or several for a campaign."),
    )
    standards = models.ManyToManyField(
        "processes.Standard", related_name="gap_assessments", verbose_name=_("standards")
    )
    lead_assessor = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="led_gap_assessments", verbose_name=_("lead assessor")
    )
    scope = models.TextField(_("scope"), blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("started from"),
        help_text=_("The earlier assessment whose results this one started from."),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    results_digest = models.CharField(
        _("results digest"), max_length=64, blank=True, help_text=_("SHA-256 of the results when completed.")
    )
    approved_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_gap_assessments",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-planned_start", "reference"]
        verbose_name = _("gap assessment")
        verbose_name_plural = _("gap assessments")
        permissions = [("approve_gapassessment", "Can approve a gap assessment")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True) | models.Q(planned_end__gte=models.F("planned_start")),
                name="processes_gapassessment_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("processes:assessment_detail", args=[self.pk])


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class ClauseResult(RegulatedModel):
    """The finding for one clause at one site of an assessment; blank status = not yet answered."""

    assessment = models.ForeignKey(
        GapAssessment, on_delete=models.PROTECT, related_name="results", verbose_name=_("assessment")
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="clause_results", verbose_name=_("site")
    )
    clause = models.ForeignKey(
        "processes.Clause", on_delete=models.PROTECT, related_name="results", verbose_name=_("clause")
    )
    status = models.CharField(_("result"), max_length=16, choices=ResultStatus.choices, blank=True)
    justification = models.TextField(
        _("justification"), blank=True, help_text=_("Why the clause does not apply (required for not applicable).")
    )
    finding = models.TextField(_("finding"), blank=True)
    evidence_documents = models.ManyToManyField(
        "documents.ControlledDocument", related_name="clause_results", blank=True, verbose_name=_("evidence documents")
    )
    evidence_processes = models.ManyToManyField(
        "processes.Process", related_name="clause_results", blank=True, verbose_name=_("evidence processes")
    )
    evidence_records = models.TextField(
        _("evidence records"), blank=True, help_text=_("Records seen (batch records, logs, reports), one per line.")
    )
    owner = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_clause_results",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    action_kind = models.CharField(_("action kind"), max_length=40, blank=True)
    action_ref = models.CharField(_("action"), max_length=80, blank=True, help_text=_("The raised action's reference."))
    answered_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_clause_results",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["assessment", "site", "clause__standard", "clause__position"]
        verbose_name = _("clause result")
        verbose_name_plural = _("clause results")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "site", "clause"], name="processes_result_once"),
            models.CheckConstraint(
                condition=~models.Q(status="not_applicable") | ~models.Q(justification=""),
                name="processes_result_na_justified",
            ),
        ]
        indexes = [models.Index(fields=["assessment", "status"], name="processes_result_status_idx")]

    def __str__(self) -> str:
        return f"{self.assessment.reference} · {self.clause.number}"

    def get_absolute_url(self) -> str:
        return reverse("processes:result_edit", args=[self.pk])


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("approve",))
@signable(
    fields=("site", "number", "entries_digest", "change_summary"),
    immutable=False,
    meanings=("approved",),
    workflow_meanings=("approved",),
)
class ApplicabilityStatement(RegulatedModel):
    """One version of a site's statement of applicability."""

    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="applicability_statements", verbose_name=_("site")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    standards = models.ManyToManyField(
        "processes.Standard", related_name="applicability_statements", verbose_name=_("standards")
    )
    source_assessment = models.ForeignKey(
        GapAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applicability_statements",
        verbose_name=_("from assessment"),
    )
    change_summary = models.TextField(_("change summary"), blank=True)
    entries_digest = models.CharField(_("entries digest"), max_length=64, blank=True)
    approved_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_applicability",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["site", "-number"]
        verbose_name = _("statement of applicability")
        verbose_name_plural = _("statements of applicability")
        permissions = [("approve_applicabilitystatement", "Can approve a statement of applicability")]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="processes_soa_number_once"),
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(status="approved"), name="processes_soa_one_approved"
            ),
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(status="draft"), name="processes_soa_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} SoA v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("processes:statement_detail", args=[self.pk])


@audited(
    ignored=("updated_at",),
    site_sql="(SELECT ARRAY[st.site_id] FROM processes_applicabilitystatement st WHERE st.id = r.statement_id)",
)
@site_scoped(site_lookup="statement__site")
class ApplicabilityEntry(RegulatedModel):
    """Whether a clause applies at the statement's site, and why not when it does not."""

    statement = models.ForeignKey(
        ApplicabilityStatement, on_delete=models.PROTECT, related_name="entries", verbose_name=_("statement")
    )
    clause = models.ForeignKey(
        "processes.Clause", on_delete=models.PROTECT, related_name="applicability_entries", verbose_name=_("clause")
    )
    applicable = models.BooleanField(_("applicable"), default=True)
    justification = models.TextField(_("justification for exclusion"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["statement", "clause__standard", "clause__position"]
        verbose_name = _("applicability entry")
        verbose_name_plural = _("applicability entries")
        constraints = [
            models.UniqueConstraint(fields=["statement", "clause"], name="processes_soa_entry_once"),
            models.CheckConstraint(
                condition=models.Q(applicable=True) | ~models.Q(justification=""),
                name="processes_soa_exclusion_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} · {self.clause.number}"

    def get_absolute_url(self) -> str:
        return reverse("processes:statement_detail", args=[self.statement_id])
