from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionEndReason(models.TextChoices):
    LOGOUT = "logout", _("Signed out")
    ENDED_BY_PERSON = "ended_by_person", _("Ended by the person")
    PASSWORD_CHANGE = "password_change", _("Password changed")
    ABSOLUTE_TIMEOUT = "absolute_timeout", _("Maximum session length reached")
