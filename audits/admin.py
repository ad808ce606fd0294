"""Audits are run in the portal's pages; the admin holds the company-wide checklist templates."""

from django.contrib import admin

from ims.audit.admin import AuditedModelAdmin

from .models import ChecklistTemplate, TemplateQuestion


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    extra = 1
    fields = ("position", "clause", "process", "text", "is_active")
    raw_id_fields = ("clause", "process")
    can_delete = False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AuditedModelAdmin):
    """The questions audits ask per clause and per process; the default template's clause question."""

    list_display = ("name", "is_default", "is_active", "updated_at")
    list_filter = ("is_default", "is_active")
    inlines = [TemplateQuestionInline]
