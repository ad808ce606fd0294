"""Choices of CAPA: where a CAPA comes from, its workflow states, risk bands, root causes, actions, checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CapaSource(models.TextChoices):
    AUDIT_FINDING = "audit_finding", _("Audit finding")
    DEVIATION = "deviation", _("Deviation")
    COMPLAINT = "complaint", _("Complaint")
    GAP_RESULT = "gap_result", _("Gap assessment result")
    FEEDBACK = "feedback", _("Employee feedback")
    INSPECTION_FDA_483 = "inspection_483", _("Inspection observation (FDA 483)")
    INSPECTION_EU = "inspection_eu", _("Inspection observation (EU)")


class CapaKind(models.TextChoices):
    NONCONFORMANCE = "nonconformance", _("Nonconformance")
    CAPA = "capa", _("CAPA")


class CapaState(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATION = "investigation", _("Investigation")
    PLAN_APPROVED = "plan_approved", _("Action plan approved")
    IMPLEMENTATION = "implementation", _("Implementation")
    EFFECTIVENESS_CHECK = "effectiveness_check", _("Effectiveness check")
    CLOSED = "closed", _("Closed")


#: The workflow in order (the stepper of the detail page).
WORKFLOW = (
    CapaState.OPEN,
    CapaState.INVESTIGATION,
    CapaState.PLAN_APPROVED,
    CapaState.IMPLEMENTATION,
    CapaState.EFFECTIVENESS_CHECK,
    CapaState.CLOSED,
)
#: States a CAPA may be reopened to, with a reason.
REOPEN_TARGETS = (CapaState.INVESTIGATION, CapaState.IMPLEMENTATION)


class RiskBand(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RootCauseCategory(models.TextChoices):
    TRAINING = "training", _("Training")
    PROCEDURE = "procedure", _("Procedure or instruction")
    EQUIPMENT = "equipment", _("Equipment")
    MATERIAL = "material", _("Material or supplier")
    DESIGN = "design", _("Design")
    HUMAN_ERROR = "human_error", _("Human error")
    ENVIRONMENT = "environment", _("Work environment")
    OTHER = "other", _("Other")


class FishboneCategory(models.TextChoices):
    MAN = "man", _("Man (people)")
    MACHINE = "machine", _("Machine")
    METHOD = "method", _("Method")
    MATERIAL = "material", _("Material")
    MEASUREMENT = "measurement", _("Measurement")
    ENVIRONMENT = "environment", _("Environment")


class ActionKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    CORRECTIVE = "corrective", _("Corrective action")
    PREVENTIVE = "preventive", _("Preventive action")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CheckCriterion(models.TextChoices):
    KPI = "kpi", _("KPI reading meets its target")
    NO_RECURRENCE = "no_recurrence", _("No recurrence on the same clause and process")


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
