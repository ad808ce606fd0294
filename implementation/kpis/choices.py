"""Choices of the KPI app. Directions use step 1's objective vocabulary (higher / lower / range)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline

__all__ = ["ChartKind", "DataSource", "Direction", "Discipline", "Frequency", "ReadingChannel", "SignalRule"]


class Direction(models.TextChoices):
    """The same values as an objective's direction, so a KPI can take them over from its objective."""

    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Within a range")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class DataSource(models.TextChoices):
    MANUAL = "manual", _("Manual entry")
    IMPORT = "import", _("CSV or XLSX import")
    API = "api", _("API (BI, LIMS, ERP, EHS)")
    COMPUTED = "computed", _("Computed by the portal")


class ReadingChannel(models.TextChoices):
    """How a reading arrived (kept on the reading; the audit trail has the same as its channel)."""

    WEB = "web", _("Entered on the page")
    IMPORT = "import", _("Imported")
    API = "api", _("API")
    COMPUTED = "computed", _("Computed")


class ChartKind(models.TextChoices):
    XMR = "xmr", _("Individuals / moving range (XmR)")
    P = "p", _("Proportion (p-chart)")


class SignalRule(models.TextChoices):
    """Western Electric / Nelson rules flagged on a control chart."""

    BEYOND_3_SIGMA = "rule1", _("A point beyond 3σ")
    TWO_OF_THREE_2_SIGMA = "rule2", _("2 of 3 beyond 2σ on one side")
    FOUR_OF_FIVE_1_SIGMA = "rule3", _("4 of 5 beyond 1σ on one side")
    EIGHT_ON_ONE_SIDE = "rule4", _("8 in a row on one side of the centre")
