"""Admin for the company-wide reference data. People and memberships are managed in the portal's pages."""

from django.contrib import admin

from ims.audit.admin import AuditedModelAdmin, ReadOnlyAdmin

from .models import Function, Membership, Person, Role, Site


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "country", "timezone", "is_active")
    fields = ("code", "name", "country", "timezone", "is_active")


@admin.register(Function)
class FunctionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "is_active")
    fields = ("code", "name", "description", "is_active")


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "is_global", "is_read_only")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("username", "employee_id", "first_name", "last_name", "is_active")
    search_fields = ("username", "employee_id", "last_name")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("person", "site", "function", "role", "valid_from", "valid_to")
