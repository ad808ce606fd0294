from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    POLICY = "policy", _("Policy")
    MANUAL = "manual", _("Manual")
    PROCEDURE = "procedure", _("Procedure (SOP)")
    WORK_INSTRUCTION = "work_instruction", _("Work instruction")
    FORM = "form", _("Form")
    PROCESS_MAP = "process_map", _("Process map")


class Discipline(models.TextChoices):
    """The management systems a document serves; one document may serve several (an integrated procedure)."""

    QUALITY = "quality", _("Quality (ISO 9001)")
    ENVIRONMENT = "environment", _("Environment (ISO 14001)")
    OHS = "ohs", _("Health & safety (ISO 45001)")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    EFFECTIVE = "effective", _("Effective")
    SUPERSEDED = "superseded", _("Superseded")
    RETIRED = "retired", _("Retired")


#: Versions still being worked on: at most one per document.
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)
#: Versions whose signed content never changes again.
LOCKED_STATUSES = (VersionStatus.APPROVED, VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED, VersionStatus.RETIRED)


class AttachmentType(models.TextChoices):
    PDF = "application/pdf", _("PDF")
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _("Word document (DOCX)")
