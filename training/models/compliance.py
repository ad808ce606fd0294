"""The daily history of training compliance, for the trend chart of the compliance dashboard.

Derived figures, not regulated records: one row per day, site and function, written by the nightly
``training.matrix.compliance_snapshot_take`` (re-running it on a day overwrites that day's rows). Who may read
them follows the training assignments (``training.view_assignment`` at the site), applied by the selectors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceSnapshot(models.Model):
    """How many required trainings were current, due and overdue at a site (and function) on a day."""

    day = models.DateField(_("day"))
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="training_snapshots", verbose_name=_("site")
    )
    function = models.ForeignKey(
        "org.Function", on_delete=models.PROTECT, related_name="training_snapshots", verbose_name=_("function")
    )
    required = models.PositiveIntegerField(_("required"), default=0)
    current = models.PositiveIntegerField(_("current"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    due_soon = models.PositiveIntegerField(_("due soon"), default=0)
    created_at = models.DateTimeField(_("taken"), auto_now=True)

    class Meta:
        ordering = ["-day", "site", "function"]
        verbose_name = _("training compliance snapshot")
        verbose_name_plural = _("training compliance snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "site", "function"], name="training_compliancesnapshot_once_a_day")
        ]
        indexes = [models.Index(fields=["site", "day"], name="training_snapshot_site_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id}/{self.function_id}: {self.current}/{self.required}"
