"""Objectives are managed in the portal's pages (services, scoping, reasons for change); the admin only reads."""

from django.contrib import admin

from ims.audit.admin import ReadOnlyAdmin

from .models import Objective, ObjectiveReading


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyAdmin):
    list_display = ("title", "site", "function", "status", "due_date")
    search_fields = ("title", "kpi")


@admin.register(ObjectiveReading)
class ObjectiveReadingAdmin(ReadOnlyAdmin):
    list_display = ("objective", "period_end", "value", "is_void")
