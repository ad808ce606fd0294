"""Choices of employee feedback."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedbackKind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    CONCERN = "concern", _("Concern")
    NEAR_MISS = "near_miss", _("Near miss")
    UNSAFE_CONDITION = "unsafe_condition", _("Unsafe condition")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_TRIAGE = "under_triage", _("Under triage")
    ACCEPTED = "accepted", _("Accepted as improvement action")
    CAPA_OPENED = "capa_opened", _("CAPA opened")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (FeedbackStatus.NEW, FeedbackStatus.UNDER_TRIAGE)
CLOSED_STATUSES = (FeedbackStatus.ACCEPTED, FeedbackStatus.CAPA_OPENED, FeedbackStatus.REJECTED)


class TriageDecision(models.TextChoices):
    ACCEPT = "accept", _("Accept as an improvement action")
    CAPA = "capa", _("Open a CAPA")
    REJECT = "reject", _("Reject with a reason")
