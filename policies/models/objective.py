"""Measurable IMS objectives (ISO 9001/14001/45001 clause 6.2) and their measured values.

Objectives cascade company → site → function: a company objective has no site, a site objective a
site, a function objective a site and a function. A sub-objective's parent sits one level up.
Objectives are cancelled, never deleted; a wrong reading is voided with a reason, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import Direction, Discipline, Health, ObjectiveLevel, ObjectiveStatus
from ..health import objective_health
from ..querysets import ObjectiveQuerySet, ObjectiveReadingQuerySet

VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}


@audited(ignored=("updated_at",), site_sql="CASE WHEN r.site_id IS NULL THEN NULL ELSE ARRAY[r.site_id] END")
@site_scoped(site_lookup="site")
class Objective(RegulatedModel):
    """A measurable objective: a KPI with a target and a direction, an owner and a due date."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    discipline = models.CharField(
        _("discipline"), max_length=16, choices=Discipline.choices, default=Discipline.QUALITY
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("contributes to"),
        help_text=_("The objective one level up that this one supports (company → site → function)."),
    )
    site = models.ForeignKey(
        "org.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        verbose_name=_("site"),
        help_text=_("Empty for a company-wide objective."),
    )
    function = models.ForeignKey(
        "org.Function",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        verbose_name=_("function"),
        help_text=_("Only with a site: the function's objective at that site."),
    )
    kpi = models.CharField(
        _("KPI"), max_length=200, help_text=_("What is measured, e.g. right-first-time batch release.")
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True, help_text=_("e.g. %, t CO2e, per 200,000 h"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    target = models.DecimalField(_("target"), null=True, blank=True, **VALUE_DIGITS)
    target_min = models.DecimalField(_("range from"), null=True, blank=True, **VALUE_DIGITS)
    target_max = models.DecimalField(_("range to"), null=True, blank=True, **VALUE_DIGITS)
    baseline = models.DecimalField(
        _("baseline"), null=True, blank=True, help_text=_("The value when the objective was set."), **VALUE_DIGITS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_objectives", verbose_name=_("owner")
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(ObjectiveQuerySet)()

    class Meta:
        ordering = ["site__code", "function__name", "due_date", "title"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(function__isnull=True) | models.Q(site__isnull=False),
                name="policies_objective_function_needs_site",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="policies_objective_not_own_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")), name="policies_objective_due_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        direction=Direction.RANGE,
                        target_min__isnull=False,
                        target_max__isnull=False,
                        target_min__lte=models.F("target_max"),
                    )
                    | (~models.Q(direction=Direction.RANGE) & models.Q(target__isnull=False))
                ),
                name="policies_objective_target_given",
            ),
        ]
        indexes = [models.Index(fields=["site", "status"], name="policies_obj_site_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:objective_detail", args=[self.pk])

    @property
    def level(self) -> ObjectiveLevel:
        if self.site_id is None:
            return ObjectiveLevel.COMPANY
        if self.function_id is None:
            return ObjectiveLevel.SITE
        return ObjectiveLevel.FUNCTION

    @property
    def is_open(self) -> bool:
        return self.status in (ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE)

    def clean(self) -> None:
        errors = {}
        if self.function_id and not self.site_id:
            errors["function"] = _("A function objective needs a site: functions set objectives per site.")
        if self.direction == Direction.RANGE:
            if self.target_min is None or self.target_max is None:
                errors["target_min"] = _("Give both ends of the range.")
            elif self.target_min > self.target_max:
                errors["target_max"] = _("The range must end above where it starts.")
        elif self.target is None:
            errors["target"] = _("Give the target value.")
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = _("The due date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    def target_display(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.direction == Direction.RANGE:
            return f"{format_value(self.target_min)}–{format_value(self.target_max)}{unit}"
        sign = "≥" if self.direction == Direction.HIGHER else "≤"
        return f"{sign} {format_value(self.target)}{unit}"

    def health_on(self, *, latest_value, today=None) -> Health:
        """Health for a known latest value (the views annotate it: no query per row)."""
        return objective_health(
            direction=self.direction,
            target=self.target,
            target_min=self.target_min,
            target_max=self.target_max,
            start=self.start_date,
            due=self.due_date,
            latest_value=latest_value,
            today=today or timezone.localdate(),
        )

    @property
    def health(self) -> Health:
        """Health from the annotated ``latest_value`` (``with_latest_reading()``), else one query."""
        if hasattr(self, "latest_value"):
            latest = self.latest_value
        else:
            reading = self.readings.filter(is_void=False).order_by("-period_end", "-pk").first()
            latest = reading.value if reading else None
        return self.health_on(latest_value=latest)


def format_value(value) -> str:
    """A decimal without trailing zeros: 98.0000 → 98, 0.5000 → 0.5."""
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


@audited(
    ignored=("updated_at",),
    site_sql="(SELECT CASE WHEN o.site_id IS NULL THEN NULL ELSE ARRAY[o.site_id] END "
    "FROM policies_objective o WHERE o.id = r.objective_id)",
)
@site_scoped(site_lookup="objective__site")
class ObjectiveReading(RegulatedModel):
    """A measured value of an objective's KPI for a period; voided (with a reason), never deleted."""

    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, related_name="readings", verbose_name=_("objective")
    )
    period_end = models.DateField(_("period ending"), help_text=_("The last day of the period the value covers."))
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="objective_readings",
        verbose_name=_("recorded by"),
    )
    is_void = models.BooleanField(_("voided"), default=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(ObjectiveReadingQuerySet)()

    class Meta:
        ordering = ["objective", "-period_end", "-pk"]
        verbose_name = _("objective reading")
        verbose_name_plural = _("objective readings")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "period_end"],
                condition=models.Q(is_void=False),
                name="policies_objectivereading_one_per_period",
            ),
        ]

    def __str__(self) -> str:
        unit = f" {self.objective.unit}" if self.objective.unit else ""
        return f"{self.objective} · {self.period_end:%Y-%m-%d}: {format_value(self.value)}{unit}"

    def get_absolute_url(self) -> str:
        return reverse("policies:reading_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return not self.is_void
