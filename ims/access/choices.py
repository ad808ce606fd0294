from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionEndReason(models.TextChoices):
    LOGOUT = "logout", _("Signed out")
    ENDED_BY_PERSON = "ended_by_person", _("Ended by the person")
    PASSWORD_CHANGE = "password_change", _("Password changed")
    ABSOLUTE_TIMEOUT = "absolute_timeout", _("Maximum session length reached")


class Agency(models.TextChoices):
    """Who an inspector inspects for."""

    FDA = "fda", _("FDA")
    EMA = "ema", _("EMA / EU authority")
    MHRA = "mhra", _("MHRA")
    NOTIFIED_BODY = "notified_body", _("Notified body")
    CUSTOMER = "customer", _("Customer")
    OTHER = "other", _("Other authority")


class GrantStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    ENDED = "ended", _("Ended early")
