from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", _("Global Admin")
    QUALITY_MANAGER = "quality_manager", _("Quality Manager")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance Officer")
    PROCESS_OWNER = "process_owner", _("Process Owner")
    DEPARTMENT_HEAD = "department_head", _("Department Head")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal Auditor")
    TRAINER = "trainer", _("Trainer")
    EMPLOYEE = "employee", _("Employee")
    INSPECTOR = "inspector", _("Inspector")
