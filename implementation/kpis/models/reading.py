"""Readings of a KPI (one per KPI, site and period) and the control-chart signals raised on them.

A correction changes the value with a reason (the old value stays in the audit trail); a wrong reading is voided
with a reason, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import ReadingChannel, SignalRule
from .kpi import VALUE_DIGITS, Kpi


class ReadingQuerySet(RestrictedQuerySet):
    def valid(self) -> ReadingQuerySet:
        return self.filter(is_void=False)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class Reading(RegulatedModel):
    """The value of a KPI at a site for a period; for a proportion, with its denominator (units inspected)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="readings", verbose_name=_("KPI"))
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="kpi_readings", verbose_name=_("site"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    denominator = models.PositiveIntegerField(
        _("denominator"), null=True, blank=True, help_text=_("For a proportion: the number of units it counts.")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ReadingChannel.choices, default=ReadingChannel.WEB)
    comment = models.TextField(_("comment"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpi_readings",
        verbose_name=_("entered by"),
        help_text=_("Empty for a reading the portal computed."),
    )
    is_void = models.BooleanField(_("voided"), default=False)
    void_reason = models.TextField(_("reason voided"), blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = RestrictedManager.from_queryset(ReadingQuerySet)()

    class Meta:
        ordering = ["kpi", "site", "period_start"]
        verbose_name = _("KPI reading")
        verbose_name_plural = _("KPI readings")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "site", "period_start"],
                condition=models.Q(is_void=False),
                name="kpis_reading_one_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="kpis_reading_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(is_void=False) | ~models.Q(void_reason=""), name="kpis_reading_void_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["kpi", "site", "period_start"], name="kpis_reading_series_idx")]

    def __str__(self) -> str:
        return f"{self.kpi.code} · {self.site_id} · {self.period_start:%Y-%m}: {format(self.value.normalize(), 'f')}"

    def get_absolute_url(self) -> str:
        return reverse("kpis:reading_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return not self.is_void


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class KpiSignal(RegulatedModel):
    """An out-of-control signal on a KPI's chart at a site: recorded once, noticed to the owner, maybe a CAPA."""

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="signals", verbose_name=_("KPI"))
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="kpi_signals", verbose_name=_("site"))
    reading = models.ForeignKey(
        Reading, on_delete=models.PROTECT, related_name="signals", verbose_name=_("reading that signals")
    )
    rule = models.CharField(_("rule"), max_length=8, choices=SignalRule.choices)
    capa_reference = models.CharField(_("CAPA"), max_length=40, blank=True)
    capa_url = models.CharField(_("CAPA link"), max_length=300, blank=True)
    is_dismissed = models.BooleanField(
        _("dismissed"), default=False, help_text=_("Closed without a CAPA, e.g. the cause is known and removed.")
    )
    dismiss_reason = models.TextField(_("reason dismissed"), blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("KPI signal")
        verbose_name_plural = _("KPI signals")
        constraints = [
            models.UniqueConstraint(fields=["reading", "rule"], name="kpis_kpisignal_once_per_reading_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} · {self.get_rule_display()}"

    def get_absolute_url(self) -> str:
        return reverse("kpis:signal_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return not self.is_dismissed and not self.capa_reference

    def chart_url(self) -> str:
        return reverse("kpis:kpi_detail", args=[self.kpi_id]) + f"?site={self.site_id}"
