"""CAPA records: a nonconformance or a corrective and preventive action, its actions and effectiveness checks.

A ``Capa`` belongs to one site and comes from a source (an audit finding, a deviation, a complaint, a gap
result, employee feedback, an inspection observation), kept generically as content type, id and label like
the kernel's tracked actions, with the clause and process it concerns (the recurrence criterion looks for
findings on the same ones). Its workflow: open → investigation → action plan approved (signed) →
implementation → effectiveness check → closed (signed), or reopened with a reason. Nothing is deleted.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

from ..choices import (
    ActionKind,
    ActionStatus,
    CapaKind,
    CapaSource,
    CapaState,
    CheckCriterion,
    CheckStatus,
    RiskBand,
    RootCauseCategory,
)
from ..querysets import CapaActionManager, CapaManager, ChildManager

RATING = [MinValueValidator(1), MaxValueValidator(5)]
CAPA_SITE_SQL = "(SELECT ARRAY[c.site_id] FROM capa_capa c WHERE c.id = r.capa_id)"


def risk_band(score: int | None) -> str:
    """Severity × occurrence (1–25): 1–6 low, 8–12 medium, 15–25 high."""
    if not score:
        return ""
    if score >= 15:
        return RiskBand.HIGH
    if score >= 8:
        return RiskBand.MEDIUM
    return RiskBand.LOW


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("approve",))
@signable(
    fields=("reference", "title", "root_cause", "root_cause_category", "plan_digest", "closure_digest"),
    immutable=False,
    meanings=("approved", "verified"),
    workflow_meanings=("approved", "verified"),
    # The approval binds the root cause and the plan; the closure also binds what was done and measured.
    meaning_fields={"approved": ("reference", "title", "root_cause", "root_cause_category", "plan_digest")},
)
class Capa(RegulatedModel):
    """A nonconformance or CAPA at one site: what happened, its risk, root cause, actions and effectiveness."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CapaKind.choices, default=CapaKind.CAPA)
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="capas", verbose_name=_("site"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=CapaSource.choices)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source type")
    )
    source_id = models.CharField(_("source id"), max_length=40, blank=True)
    source_label = models.CharField(_("raised from"), max_length=200, blank=True)
    clause = models.ForeignKey(
        "processes.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="capas",
        verbose_name=_("clause"),
    )
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="capas",
        verbose_name=_("process"),
    )
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="owned_capas", verbose_name=_("owner")
    )
    raised_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raised_capas",
        verbose_name=_("raised by"),
    )
    due_date = models.DateField(_("target date"), null=True, blank=True)
    impact_quality = models.TextField(_("impact on quality"), blank=True)
    impact_safety = models.TextField(_("impact on safety"), blank=True)
    impact_environment = models.TextField(_("impact on the environment"), blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), null=True, blank=True, validators=RATING)
    occurrence = models.PositiveSmallIntegerField(_("occurrence"), null=True, blank=True, validators=RATING)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)
    risk_band = models.CharField(_("risk"), max_length=8, choices=RiskBand.choices, blank=True)
    containment = models.TextField(_("containment"), blank=True)
    whys = models.JSONField(_("5 whys"), default=list, blank=True, help_text=_("The why-chain, in order."))
    fishbone = models.JSONField(
        _("fishbone"), default=dict, blank=True, help_text=_("Causes by category (man, machine, method, …).")
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    root_cause_category = models.CharField(
        _("root cause category"), max_length=16, choices=RootCauseCategory.choices, blank=True
    )
    state = models.CharField(_("state"), max_length=20, choices=CapaState.choices, default=CapaState.OPEN)
    plan_digest = models.CharField(_("plan digest"), max_length=64, blank=True)
    closure_digest = models.CharField(
        _("closure digest"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 over the actions done, their evidence and the effectiveness checks: what closure binds."),
    )
    plan_approved_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_capa_plans",
        verbose_name=_("plan approved by"),
    )
    plan_approved_at = models.DateTimeField(_("plan approved"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_capas",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    reopen_reason = models.TextField(_("reason reopened"), blank=True)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CapaManager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("CAPA")
        verbose_name_plural = _("CAPAs")
        permissions = [("approve_capa", "Can approve a CAPA plan and verify its closure")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__isnull=True) | models.Q(severity__gte=1, severity__lte=5),
                name="capa_capa_severity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(occurrence__isnull=True) | models.Q(occurrence__gte=1, occurrence__lte=5),
                name="capa_capa_occurrence_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="closed") | models.Q(closed_at__isnull=False),
                name="capa_capa_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "state"], name="capa_capa_site_state_idx"),
            models.Index(fields=["source_type", "source_id"], name="capa_capa_source_idx"),
            models.Index(fields=["state", "opened_at"], name="capa_capa_state_opened_idx"),
            models.Index(fields=["-opened_at", "-id"], name="capa_capa_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("capa:capa_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.state == CapaState.CLOSED


@audited(ignored=("updated_at",), site_sql=CAPA_SITE_SQL)
@site_scoped(site_lookup="capa__site")
class CapaAction(RegulatedModel):
    """A correction, corrective or preventive action of a CAPA: owner, due date, and the evidence it was done."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="actions", verbose_name=_("CAPA"))
    kind = models.CharField(_("kind"), max_length=12, choices=ActionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="capa_actions", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    evidence_note = models.TextField(_("evidence"), blank=True, help_text=_("What shows the action was done."))
    evidence_file = models.FileField(_("evidence file"), upload_to="capa/", blank=True, max_length=200)
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True)
    evidence_type = models.CharField(_("file type"), max_length=120, blank=True)
    evidence_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    done_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="completed_capa_actions",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    reminded_days = models.PositiveSmallIntegerField(_("reminded (days before due)"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CapaActionManager()

    class Meta:
        ordering = ["capa", "due_date", "pk"]
        verbose_name = _("CAPA action")
        verbose_name_plural = _("CAPA actions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_at__isnull=False),
                name="capa_capaaction_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="capa_action_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.capa.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("capa:capa_detail", args=[self.capa_id]) + f"#action-{self.pk}"

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file) or bool((self.evidence_note or "").strip())


@audited(ignored=("updated_at",), site_sql=CAPA_SITE_SQL)
@site_scoped(site_lookup="capa__site")
class EffectivenessCheck(RegulatedModel):
    """A measurable check that the CAPA worked: a KPI reading meeting its target within a window, or no
    recurrence of findings on the same clause and process for some months; evaluated on its due date."""

    capa = models.ForeignKey(
        Capa, on_delete=models.PROTECT, related_name="effectiveness_checks", verbose_name=_("CAPA")
    )
    criterion = models.CharField(_("criterion"), max_length=16, choices=CheckCriterion.choices)
    objective = models.ForeignKey(
        "policies.Objective",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="capa_checks",
        verbose_name=_("objective (KPI)"),
    )
    window_start = models.DateField(_("window from"))
    due_date = models.DateField(_("evaluate on"))
    months = models.PositiveSmallIntegerField(_("months without recurrence"), null=True, blank=True)
    status = models.CharField(_("result"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    measured_value = models.DecimalField(_("measured value"), max_digits=14, decimal_places=4, null=True, blank=True)
    measured_text = models.CharField(_("measured"), max_length=300, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    planned_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="planned_capa_checks", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ChildManager()

    class Meta:
        ordering = ["capa", "-due_date", "-pk"]
        verbose_name = _("effectiveness check")
        verbose_name_plural = _("effectiveness checks")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(criterion="kpi") | models.Q(objective__isnull=False),
                name="capa_effectivenesscheck_kpi_has_objective",
            ),
            models.CheckConstraint(
                condition=~models.Q(criterion="no_recurrence") | models.Q(months__gte=1),
                name="capa_effectivenesscheck_recurrence_has_months",
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("window_start")),
                name="capa_effectivenesscheck_window",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="capa_check_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.capa.reference} · {self.get_criterion_display()} ({self.due_date})"

    def get_absolute_url(self) -> str:
        return reverse("capa:capa_detail", args=[self.capa_id]) + "#effectiveness"
