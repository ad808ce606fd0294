"""Choices of the risk and obligation register."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline


class ScoringKind(models.TextChoices):
    MATRIX = "matrix", _("Matrix (severity × likelihood)")
    RPN = "rpn", _("RPN (severity × probability × detectability)")


class EntryKind(models.TextChoices):
    QUALITY_RISK = "quality_risk", _("Quality risk (ICH Q9)")
    ENVIRONMENTAL_ASPECT = "environmental_aspect", _("Environmental aspect")
    OHS_HAZARD = "ohs_hazard", _("OH&S hazard")


#: Each kind of entry belongs to one discipline (the scoring method is chosen per discipline).
KIND_DISCIPLINE: dict[str, str] = {
    EntryKind.QUALITY_RISK: Discipline.QUALITY,
    EntryKind.ENVIRONMENTAL_ASPECT: Discipline.ENVIRONMENT,
    EntryKind.OHS_HAZARD: Discipline.OHS,
}
DISCIPLINE_KIND: dict[str, str] = {discipline: kind for kind, discipline in KIND_DISCIPLINE.items()}
#: Prefix of the reference codes the register gives new entries.
KIND_PREFIX: dict[str, str] = {
    EntryKind.QUALITY_RISK: "QR",
    EntryKind.ENVIRONMENTAL_ASPECT: "EA",
    EntryKind.OHS_HAZARD: "OH",
}


class Band(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


BAND_ORDER = {Band.LOW: 0, Band.MEDIUM: 1, Band.HIGH: 2}


class OperatingCondition(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ABNORMAL = "abnormal", _("Abnormal")
    EMERGENCY = "emergency", _("Emergency")


class ObligationType(models.TextChoices):
    LEGAL = "legal", _("Legal requirement")
    OTHER = "other", _("Other requirement")
    GMP = "gmp", _("GMP regulation")


class EvaluationResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    PARTLY = "partly", _("Partly compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


__all__ = [
    "BAND_ORDER",
    "DISCIPLINE_KIND",
    "KIND_DISCIPLINE",
    "KIND_PREFIX",
    "Band",
    "Discipline",
    "EntryKind",
    "EvaluationResult",
    "ObligationType",
    "OperatingCondition",
    "ScoringKind",
]
