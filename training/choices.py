"""Choices of training: why an assignment exists, its status, how training was done, matrix cell states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentReason(models.TextChoices):
    MEMBERSHIP = "membership", _("New or changed role")
    DOCUMENT_REVISION = "document_revision", _("Document revised")
    RECURRENCE = "recurrence", _("Periodic retraining")
    MANUAL = "manual", _("Assigned by hand")
    CAPA = "capa", _("Corrective action")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class CancelReason(models.TextChoices):
    LEFT_SCOPE = "left_scope", _("No longer required for the person's roles")
    REPLACED = "replaced", _("Replaced by a newer assignment")
    WITHDRAWN = "withdrawn", _("Withdrawn by hand")


class TrainingMethod(models.TextChoices):
    SELF_STUDY = "self_study", _("Read and understood")
    SESSION = "session", _("Instructor-led session")
    ASSESSMENT = "assessment", _("Passed assessment")
    PRACTICAL = "practical", _("Practical, verified by a trainer")


class CellState(models.TextChoices):
    """A cell of the training matrix (person × course)."""

    CURRENT = "current", _("Current")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    IN_PROGRESS = "in_progress", _("Assigned")
    NOT_REQUIRED = "not_required", _("Not required")
