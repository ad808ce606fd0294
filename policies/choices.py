"""Choices of the policies app: objective levels, directions, statuses and health."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline


class ObjectiveLevel(models.TextChoices):
    """Where an objective sits in the cascade; derived from its site and function."""

    COMPANY = "company", _("Company")
    SITE = "site", _("Site")
    FUNCTION = "function", _("Function")


# One list of management-system disciplines for the whole portal: the document-control kernel's ``Discipline``.
__all__ = ["Assignment", "Direction", "Discipline", "Health", "ObjectiveLevel", "ObjectiveStatus"]


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Within a range")


class ObjectiveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    CANCELLED = "cancelled", _("Cancelled")


class Health(models.TextChoices):
    """Computed, never stored: see ``policies.health``. Ordered from best to worst."""

    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NOT_MEASURED = "not_measured", _("Not measured")


class Assignment(models.TextChoices):
    """A cell of the RACI matrix. A cleared cell stores a blank value."""

    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")
