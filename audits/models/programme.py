"""The audit programme: a year of internal audits over sites and audited areas, planned by risk.

An ``AuditProgramme`` names a year and its sites; each ``ProgrammeArea`` is a process, a standard or one clause of
the library, with a risk level that sets how often it is audited at every site of the programme (high =
quarterly, medium = twice a year, low = yearly) unless the area overrides the frequency. The beat task turns each
(area, site, period) slot into exactly one planned ``Audit``.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import FREQUENCY_BY_RISK, Frequency, RiskLevel

PROGRAMME_SITES_SQL = "ARRAY(SELECT s.site_id FROM audits_auditprogramme_sites s WHERE s.auditprogramme_id = {})"


@audited(ignored=("updated_at",), site_sql=PROGRAMME_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites")
class AuditProgramme(RegulatedModel):
    """One year of internal audits over chosen sites, risk based."""

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    sites = models.ManyToManyField("org.Site", related_name="audit_programmes", verbose_name=_("sites"))
    objectives = models.TextField(_("objectives and scope"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("An inactive programme plans nothing."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000) & models.Q(year__lte=2100), name="audits_auditprogramme_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("audits:programme_detail", args=[self.pk])


@audited(ignored=("updated_at",), site_sql=PROGRAMME_SITES_SQL.format("r.programme_id"))
class ProgrammeArea(RegulatedModel):
    """An audited area of a programme (a process, a standard or a clause) and how often it is audited.

    Part of its programme: read and changed through the programme (whose sites scope it)."""

    programme = models.ForeignKey(
        AuditProgramme, on_delete=models.PROTECT, related_name="areas", verbose_name=_("programme")
    )
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_areas",
        verbose_name=_("process"),
    )
    standard = models.ForeignKey(
        "processes.Standard",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_areas",
        verbose_name=_("standard"),
    )
    clause = models.ForeignKey(
        "processes.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_areas",
        verbose_name=_("clause"),
    )
    risk = models.CharField(_("risk"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    frequency_override = models.PositiveSmallIntegerField(
        _("frequency (override)"),
        choices=Frequency.choices,
        null=True,
        blank=True,
        help_text=_("Audits a year; blank: set by the risk (high 4, medium 2, low 1)."),
    )
    auditor = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_areas",
        verbose_name=_("lead auditor"),
        help_text=_("Assigned to the planned audits of a site where they are independent of the area."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("audited area")
        verbose_name_plural = _("audited areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(process__isnull=False)
                | models.Q(standard__isnull=False)
                | models.Q(clause__isnull=False),
                name="audits_programmearea_names_an_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_risk_display().lower()})"

    @property
    def label(self) -> str:
        parts = [str(p) for p in (self.process, self.standard) if p is not None]
        if self.clause is not None:
            parts.append(f"{self.clause.standard.code} {self.clause.number} {self.clause.title}")
        return " · ".join(parts)

    @property
    def frequency(self) -> int:
        return self.frequency_override or FREQUENCY_BY_RISK[RiskLevel(self.risk)]

    def get_absolute_url(self) -> str:
        return reverse("audits:programme_detail", args=[self.programme_id]) + f"#area-{self.pk}"
