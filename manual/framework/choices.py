"""Choices of the IMS framework (no magic strings)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    """How often a KPI of the monitoring plan is measured."""

    PER_EVENT = "per_event", _("Per event (batch, incident, …)")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")


class ReportedTo(models.TextChoices):
    """Where the result of a measurement goes (the forum that reviews it and acts on it)."""

    MANAGEMENT_REVIEW = "management_review", _("Management review")
    SITE_QM_MEETING = "site_qm_meeting", _("Site quality meeting")
    EHS_COMMITTEE = "ehs_committee", _("EHS committee")
    PROCESS_REVIEW = "process_review", _("Process owner review")
    QUALITY_COUNCIL = "quality_council", _("Global quality council")
