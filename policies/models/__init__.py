from .acknowledgement import Acknowledgement, AcknowledgementStatus, CancelReason, Distribution
from .objective import Objective, ObjectiveReading
from .responsibility import Responsibility

__all__ = [
    "Acknowledgement",
    "AcknowledgementStatus",
    "CancelReason",
    "Distribution",
    "Objective",
    "ObjectiveReading",
    "Responsibility",
]
