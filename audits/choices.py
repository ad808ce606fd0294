"""Choices of internal audits (no magic strings)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


#: Audits a year by risk: high = quarterly, medium = twice a year, low = yearly.
FREQUENCY_BY_RISK = {RiskLevel.HIGH: 4, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 1}


class Frequency(models.IntegerChoices):
    YEARLY = 1, _("Yearly")
    TWICE_A_YEAR = 2, _("Twice a year")
    QUARTERLY = 4, _("Quarterly")
    MONTHLY = 12, _("Monthly")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed (report authored)")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the auditee")
    APPROVED = "approved", _("Approved (closed)")
    CANCELLED = "cancelled", _("Cancelled")


class ChecklistResult(models.TextChoices):
    NOT_CHECKED = "", _("Not checked")
    CONFORMING = "conforming", _("Conforming")
    NONCONFORMING = "nonconforming", _("Nonconforming")
    OBSERVATION = "observation", _("Observation")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class FindingGrade(models.TextChoices):
    MAJOR = "major", _("Major nonconformity")
    MINOR = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OPPORTUNITY = "opportunity", _("Opportunity for improvement")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")
