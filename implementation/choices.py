"""Choices of rollout plans: statuses of plans and tasks, the six IMS steps a plan's phases follow by default."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    LIVE = "live", _("Live")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Readiness(models.TextChoices):
    """The colour of a heat-map cell (site × step): every criterion met; a criterion not met yet while the step's
    tasks are on time; a criterion not met and a task of the step overdue (or the go-live date passed)."""

    GREEN = "green", _("Criteria met")
    AMBER = "amber", _("Not met yet, on schedule")
    RED = "red", _("Not met, overdue")
    NONE = "none", _("No criterion")


#: The six steps of the IMS (the default phases of a plan), by step number.
IMS_STEPS: dict[int, str] = {
    1: _("Objectives & policy"),
    2: _("Process mapping & gap analysis"),
    3: _("IMS framework (manual)"),
    4: _("Training & awareness"),
    5: _("Implementation"),
    6: _("Monitoring & improvement"),
}
