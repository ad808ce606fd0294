"""The monitoring and measurement plan (ISO 9001/14001/45001 9.1): per process, what is measured and by whom.

Each item says, for one process, which KPI (an objective of step 1) is measured, what exactly and how, how often,
by which role (and, optionally, which person) and where the result goes. Step 5's KPI monitoring reads the plan
through ``manual.framework.selectors.monitoring_plan_rows``. Items belong to the sites of their process; they are
retired, never deleted.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel
from processes.models.register import PROCESS_SITES_SQL

from ..choices import Frequency, ReportedTo


@audited(ignored=("updated_at",), site_sql=PROCESS_SITES_SQL.format("r.process_id"))
@site_scoped(site_lookup="process__sites")
class MonitoringPlanItem(RegulatedModel):
    """One line of a process's monitoring plan: KPI, measure, method, frequency, who, and where it is reported."""

    process = models.ForeignKey(
        "processes.Process", on_delete=models.PROTECT, related_name="monitoring_items", verbose_name=_("process")
    )
    objective = models.ForeignKey(
        "policies.Objective",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_items",
        verbose_name=_("KPI (objective)"),
        help_text=_("The objective whose KPI this measures; leave empty for a measure without a target."),
    )
    measure = models.CharField(
        _("what is measured"), max_length=200, help_text=_("e.g. deviations closed within 30 days, in %.")
    )
    method = models.TextField(_("method"), help_text=_("How it is measured: data source, formula, sampling."))
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    responsible_role = models.ForeignKey(
        "org.Role", on_delete=models.PROTECT, related_name="monitoring_items", verbose_name=_("responsible role")
    )
    responsible_person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_items",
        verbose_name=_("responsible person"),
    )
    reported_to = models.CharField(_("reported to"), max_length=20, choices=ReportedTo.choices)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired items stay listed."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["process__code", "measure"]
        verbose_name = _("monitoring plan item")
        verbose_name_plural = _("monitoring plan items")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "measure"],
                condition=models.Q(is_active=True),
                name="framework_monitoringplanitem_measure_once",
            ),
            models.CheckConstraint(
                condition=models.Q(frequency__in=Frequency.values), name="framework_monitoringplanitem_frequency"
            ),
            models.CheckConstraint(
                condition=models.Q(reported_to__in=ReportedTo.values),
                name="framework_monitoringplanitem_reported_to",
            ),
        ]
        indexes = [models.Index(fields=["frequency"], name="framework_mpi_frequency_idx")]

    def __str__(self) -> str:
        return f"{self.process.code} · {self.measure}"

    def get_absolute_url(self) -> str:
        return reverse("framework:monitoringplanitem_detail", args=[self.pk])
