"""Legal and other requirements (ISO 14001/45001 6.1.3, GMP regulations) and their compliance evaluations.

An obligation applies at one or more sites and may point at the clause of a standard or regulation in the
step-2 library. Each evaluation records, for one site, the date, the result, the evidence and the next
evaluation date, which becomes the obligation's next evaluation.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import EvaluationResult, ObligationType

OBLIGATION_SITES_SQL = "ARRAY(SELECT s.site_id FROM risks_obligation_sites s WHERE s.obligation_id = {})"


class ObligationQuerySet(RestrictedQuerySet):
    def due(self, today=None, *, within_days: int = 0) -> ObligationQuerySet:
        limit = (today or timezone.localdate()) + timezone.timedelta(days=within_days)
        return self.filter(is_active=True, next_evaluation__lte=limit)


@audited(ignored=("updated_at",), site_sql=OBLIGATION_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites")
class Obligation(RegulatedModel):
    """A compliance obligation: a law, a permit, a GMP regulation or another requirement the company accepted."""

    title = models.CharField(_("title"), max_length=200)
    obligation_type = models.CharField(_("type"), max_length=8, choices=ObligationType.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=100, help_text=_("e.g. EU, US FDA, CH, IE EPA."))
    sites = models.ManyToManyField("org.Site", related_name="obligations", verbose_name=_("sites"))
    clause = models.ForeignKey(
        "processes.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("standard or regulation clause"),
    )
    requirement_summary = models.TextField(_("requirement summary"), blank=True)
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="owned_obligations", verbose_name=_("owner")
    )
    evaluation_interval_months = models.PositiveSmallIntegerField(_("evaluate every (months)"), default=12)
    next_evaluation = models.DateField(_("next evaluation"))
    evaluation_reminded_days = models.PositiveSmallIntegerField(
        _("evaluation reminder sent (days before)"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Withdrawn obligations are kept."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(ObligationQuerySet)()

    class Meta:
        ordering = ["title"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(evaluation_interval_months__gte=1, evaluation_interval_months__lte=120),
                name="risks_obligation_interval_range",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_evaluation"], name="risks_oblig_due_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risks:obligation_detail", args=[self.pk])

    @property
    def is_due(self) -> bool:
        return self.is_active and self.next_evaluation <= timezone.localdate()


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class ComplianceEvaluation(RegulatedModel):
    """The evaluation of one obligation at one site: when, with what result, on what evidence, and when next."""

    obligation = models.ForeignKey(
        Obligation, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("obligation")
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="compliance_evaluations", verbose_name=_("site")
    )
    evaluated_on = models.DateField(_("evaluated on"))
    result = models.CharField(_("result"), max_length=16, choices=EvaluationResult.choices)
    evidence = models.TextField(_("evidence"))
    evidence_document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compliance_evaluations",
        verbose_name=_("evidence document"),
    )
    evaluated_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="compliance_evaluations", verbose_name=_("evaluated by")
    )
    next_evaluation = models.DateField(_("next evaluation"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-evaluated_on", "-pk"]
        verbose_name = _("compliance evaluation")
        verbose_name_plural = _("compliance evaluations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_evaluation__gt=models.F("evaluated_on")),
                name="risks_complianceevaluation_next_after",
            ),
        ]
        indexes = [models.Index(fields=["obligation", "site", "-evaluated_on"], name="risks_eval_latest_idx")]

    def __str__(self) -> str:
        return f"{self.obligation} · {self.site.code} · {self.evaluated_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("risks:evaluation_detail", args=[self.pk])
