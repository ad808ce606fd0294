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


class ComplianceFigure(models.Model):
    """Today's figures per site, function and course: what the compliance page and the dashboard card read.

    Derived, not regulated: replaced per site by ``training.matrix.compliance_figures_refresh`` (a beat task
    every minute for the sites with changes, and nightly for every site). A site's figures are exact while no
    ``CompliancePending`` row names it and its ``ComplianceComputed.day`` is today; otherwise the page computes
    that site live.
    """

    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site"))
    function = models.ForeignKey("org.Function", on_delete=models.CASCADE, related_name="+", verbose_name=_("function"))
    course = models.ForeignKey("training.Course", on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    required = models.PositiveIntegerField(_("required"), default=0)
    current = models.PositiveIntegerField(_("current"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    due_soon = models.PositiveIntegerField(_("due soon"), default=0)

    class Meta:
        verbose_name = _("training compliance figure")
        verbose_name_plural = _("training compliance figures")
        constraints = [
            models.UniqueConstraint(fields=["site", "function", "course"], name="training_compliancefigure_once")
        ]


class ComplianceComputed(models.Model):
    """When a site's figures were last computed, and for which day (a site with no row was never computed)."""

    site = models.OneToOneField(
        "org.Site", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("site")
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("training compliance computation")
        verbose_name_plural = _("training compliance computations")


class CompliancePending(models.Model):
    """A change that may move a site's figures, written by database triggers in the changing transaction (so no
    path — service, bulk statement or import — can forget it) and drained by the refresh.

    ``site`` set: that site; ``person`` set: every site of that person; both empty: every site.
    """

    id = models.BigAutoField(primary_key=True)
    site_id = models.IntegerField(_("site"), null=True)
    person_id = models.IntegerField(_("person"), null=True)

    class Meta:
        verbose_name = _("pending training compliance change")
        verbose_name_plural = _("pending training compliance changes")
