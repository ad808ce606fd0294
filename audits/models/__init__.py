"""Step 6 of the IMS, internal audits: programmes, audits, checklists, findings and the signed report."""

from .audit import Audit, ChecklistItem, EvidenceFile, Finding
from .checklist import ChecklistTemplate, TemplateQuestion
from .programme import AuditProgramme, ProgrammeArea

__all__ = [
    "Audit",
    "AuditProgramme",
    "ChecklistItem",
    "ChecklistTemplate",
    "EvidenceFile",
    "Finding",
    "ProgrammeArea",
    "TemplateQuestion",
]
