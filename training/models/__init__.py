from .assessment import AssessmentSettings, Attempt, AttemptAnswer, Choice, Question, QuestionKind
from .assignment import Assignment, SignerQualification, TrainingRecord, TrainingRequirement
from .compliance import ComplianceComputed, ComplianceFigure, CompliancePending, ComplianceSnapshot
from .course import Course, CourseMaterial, Curriculum
from .session import Attendance, CheckInMethod, SessionStatus, TrainingSession

__all__ = [
    "Attendance",
    "CheckInMethod",
    "SessionStatus",
    "TrainingSession",
    "AssessmentSettings",
    "Attempt",
    "AttemptAnswer",
    "Choice",
    "Question",
    "QuestionKind",
    "Assignment",
    "ComplianceComputed",
    "ComplianceFigure",
    "CompliancePending",
    "ComplianceSnapshot",
    "Course",
    "CourseMaterial",
    "Curriculum",
    "SignerQualification",
    "TrainingRecord",
    "TrainingRequirement",
]
