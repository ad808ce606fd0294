"""The register: quality risks, environmental aspects and OH&S hazards in one structure, with their controls.

Clause 6.1 of ISO 9001, 14001 and 45001 and ICH Q9 share one register: every entry has a site and a process,
inherent and residual scores on its discipline's scoring method, an owner and a review date. Entries and
controls are retired, never deleted; their version history is the audit trail.
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

from ..choices import KIND_DISCIPLINE, Band, Discipline, EntryKind, OperatingCondition

RATING = {"null": True, "blank": True}


class RiskEntryQuerySet(RestrictedQuerySet):
    def active(self) -> RiskEntryQuerySet:
        return self.filter(is_active=True)

    def overdue(self, today=None) -> RiskEntryQuerySet:
        return self.filter(is_active=True, review_date__lt=today or timezone.localdate())


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class RiskEntry(RegulatedModel):
    """One line of the register: a quality risk, an environmental aspect or an OH&S hazard at a site."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=EntryKind.choices)
    discipline = models.CharField(_("discipline"), max_length=16, choices=Discipline.choices, editable=False)
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="risk_entries", verbose_name=_("site"))
    process = models.ForeignKey(
        "processes.Process", on_delete=models.PROTECT, related_name="risk_entries", verbose_name=_("process")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Quality risk (ICH Q9) and OH&S hazard.
    hazard = models.TextField(_("hazard"), blank=True, help_text=_("What could cause harm (ICH Q9, ISO 45001)."))
    # Environmental aspect.
    aspect = models.TextField(
        _("aspect"), blank=True, help_text=_("The activity element that interacts with the environment.")
    )
    impact = models.TextField(_("impact"), blank=True, help_text=_("The change to the environment it may cause."))
    operating_condition = models.CharField(
        _("operating condition"), max_length=12, choices=OperatingCondition.choices, blank=True
    )
    is_significant = models.BooleanField(
        _("significant"), default=False, editable=False, help_text=_("Aspects scored medium or high before controls.")
    )
    # OH&S hazard.
    activity = models.TextField(_("activity"), blank=True)
    people_exposed = models.TextField(_("people exposed"), blank=True)
    existing_controls = models.TextField(_("existing controls"), blank=True)
    # Scores on the discipline's scoring method: before (inherent) and after (residual) the controls.
    inherent_severity = models.PositiveSmallIntegerField(_("inherent severity"))
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood / probability"))
    inherent_detectability = models.PositiveSmallIntegerField(_("inherent detectability"), **RATING)
    inherent_score = models.PositiveIntegerField(_("inherent score"), editable=False)
    inherent_band = models.CharField(_("inherent band"), max_length=8, choices=Band.choices, editable=False)
    residual_severity = models.PositiveSmallIntegerField(_("residual severity"))
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood / probability"))
    residual_detectability = models.PositiveSmallIntegerField(_("residual detectability"), **RATING)
    residual_score = models.PositiveIntegerField(_("residual score"), editable=False)
    residual_band = models.CharField(_("residual band"), max_length=8, choices=Band.choices, editable=False)
    residual_justification = models.TextField(
        _("residual justification"),
        blank=True,
        help_text=_("Needed when the residual score is higher than the inherent one."),
    )
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="owned_risk_entries", verbose_name=_("owner")
    )
    review_date = models.DateField(_("next review"))
    review_reminded_days = models.PositiveSmallIntegerField(
        _("review reminder sent (days before)"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired entries are kept."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RiskEntryQuerySet)()

    class Meta:
        ordering = ["site__code", "reference"]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=EntryKind.QUALITY_RISK, discipline=Discipline.QUALITY)
                    | models.Q(kind=EntryKind.ENVIRONMENTAL_ASPECT, discipline=Discipline.ENVIRONMENT)
                    | models.Q(kind=EntryKind.OHS_HAZARD, discipline=Discipline.OHS)
                ),
                name="risks_riskentry_kind_discipline",
            ),
            models.CheckConstraint(
                condition=models.Q(residual_score__lte=models.F("inherent_score"))
                | ~models.Q(residual_justification=""),
                name="risks_riskentry_residual_justified",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "discipline", "is_active"], name="risks_entry_site_disc_idx"),
            models.Index(fields=["review_date"], name="risks_entry_review_idx"),
            models.Index(fields=["site", "-residual_score"], name="risks_entry_site_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("risks:entry_detail", args=[self.pk])

    @property
    def expected_discipline(self) -> str:
        return KIND_DISCIPLINE.get(self.kind, "")

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.review_date is not None and self.review_date < timezone.localdate()


@audited(ignored=("updated_at",), site_sql="(SELECT ARRAY[e.site_id] FROM risks_riskentry e WHERE e.id = r.entry_id)")
@site_scoped(site_lookup="entry__site")
class Control(RegulatedModel):
    """A control that lowers an entry's risk: a procedure, a training course, a CAPA, or a described measure."""

    entry = models.ForeignKey(RiskEntry, on_delete=models.PROTECT, related_name="controls", verbose_name=_("entry"))
    description = models.TextField(_("description"), blank=True)
    procedure = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_controls",
        verbose_name=_("procedure"),
    )
    course = models.ForeignKey(
        "training.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_controls",
        verbose_name=_("training course"),
    )
    capa = models.ForeignKey(
        "capa.Capa",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_controls",
        verbose_name=_("CAPA"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["entry", "pk"]
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(procedure__isnull=False)
                    | models.Q(course__isnull=False)
                    | models.Q(capa__isnull=False)
                    | ~models.Q(description="")
                ),
                name="risks_control_says_what",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.reference} · {self.label}"

    @property
    def label(self) -> str:
        if self.description:
            return self.description.splitlines()[0][:80]
        linked = self.procedure or self.course or self.capa
        return str(linked) if linked is not None else ""

    def get_absolute_url(self) -> str:
        return reverse("risks:control_detail", args=[self.pk])
