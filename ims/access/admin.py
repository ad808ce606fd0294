from django.contrib import admin

from .models import UserSession


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Read-only history of sign-ins (sessions are ended from the person's own page or by policy)."""

    list_display = ["person", "created_at", "last_seen_at", "ip", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["person__username", "ip"]
    list_select_related = ["person"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
