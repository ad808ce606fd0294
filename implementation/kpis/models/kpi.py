"""A KPI definition: what is measured at which sites, how it is judged, and where its readings come from.

It builds on step 1's objectives (optional link) and speaks their vocabulary: unit, direction, target or range.
A KPI is retired, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import DataSource, Direction, Discipline, Frequency

VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}
KPI_SITES_SQL = "ARRAY(SELECT s.site_id FROM kpis_kpi_sites s WHERE s.kpi_id = {})"


class KpiQuerySet(RestrictedQuerySet):
    def active(self) -> KpiQuerySet:
        return self.filter(is_active=True)


@audited(ignored=("updated_at",), site_sql=KPI_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites", extra_actions=("raise_capa",))
class Kpi(RegulatedModel):
    """A key performance indicator measured per site and period, with its control-chart baseline."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    objective = models.ForeignKey(
        "policies.Objective",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name=_("objective"),
        help_text=_("The step 1 objective this KPI measures, if any."),
    )
    discipline = models.CharField(
        _("discipline"), max_length=16, choices=Discipline.choices, default=Discipline.QUALITY
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True, help_text=_("e.g. %, t CO2e, per 200,000 h"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    target = models.DecimalField(_("target"), null=True, blank=True, **VALUE_DIGITS)
    target_min = models.DecimalField(_("range from"), null=True, blank=True, **VALUE_DIGITS)
    target_max = models.DecimalField(_("range to"), null=True, blank=True, **VALUE_DIGITS)
    physical_min = models.DecimalField(
        _("lowest possible value"), null=True, blank=True, help_text=_("A reading below is refused."), **VALUE_DIGITS
    )
    physical_max = models.DecimalField(
        _("highest possible value"), null=True, blank=True, help_text=_("A reading above is refused."), **VALUE_DIGITS
    )
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_kpis", verbose_name=_("owner")
    )
    sites = models.ManyToManyField("org.Site", related_name="kpis", verbose_name=_("sites"))
    data_source = models.CharField(
        _("data source"), max_length=12, choices=DataSource.choices, default=DataSource.MANUAL
    )
    source_key = models.CharField(
        _("computed source"), max_length=60, blank=True, help_text=_("For a computed KPI: the registered source.")
    )
    baseline_start = models.DateField(
        _("baseline from"), null=True, blank=True, help_text=_("Control limits come from the readings of this period.")
    )
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired KPIs are kept."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(KpiQuerySet)()

    class Meta:
        ordering = ["discipline", "code"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        permissions = [("raise_capa_kpi", "Can open a CAPA from a KPI signal")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(physical_min__isnull=True)
                | models.Q(physical_max__isnull=True)
                | models.Q(physical_min__lte=models.F("physical_max")),
                name="kpis_kpi_physical_range_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(data_source=DataSource.COMPUTED) | ~models.Q(source_key=""),
                name="kpis_kpi_computed_has_source",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_start__isnull=True)
                | models.Q(baseline_end__isnull=True)
                | models.Q(baseline_end__gte=models.F("baseline_start")),
                name="kpis_kpi_baseline_ordered",
            ),
        ]
        indexes = [models.Index(fields=["data_source", "is_active"], name="kpis_kpi_source_active_idx")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("kpis:kpi_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.direction == Direction.RANGE:
            if self.target_min is None or self.target_max is None:
                errors["target_min"] = _("Give both ends of the range.")
            elif self.target_min > self.target_max:
                errors["target_max"] = _("The range must end above where it starts.")
        elif self.target is None:
            errors["target"] = _("Give the target value.")
        if self.physical_min is not None and self.physical_max is not None and self.physical_min > self.physical_max:
            errors["physical_max"] = _("The highest possible value must not be below the lowest.")
        if self.data_source == DataSource.COMPUTED and not self.source_key:
            errors["source_key"] = _("Choose the computed source of this KPI.")
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            errors["baseline_end"] = _("The baseline must end after it starts.")
        if errors:
            raise ValidationError(errors)

    def target_display(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.direction == Direction.RANGE:
            return f"{_fmt(self.target_min)}–{_fmt(self.target_max)}{unit}"
        sign = "≥" if self.direction == Direction.HIGHER else "≤"
        return f"{sign} {_fmt(self.target)}{unit}"


def _fmt(value) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f")
