"""Admin: the integrity verification results, the trail (read-only), and a base for audited models."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .context import audit_context
from .models import AuditEvent, AuditSeal, IntegrityRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IntegrityRun)
class IntegrityRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "started_at",
        "finished_at",
        "trigger",
        "ok",
        "events_checked",
        "seals_checked",
        "first_problem",
    )
    list_filter = ("ok", "trigger")
    readonly_fields = ("started_at", "finished_at", "trigger", "ok", "events_checked", "seals_checked", "problems")


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("id", "first_txid", "last_txid", "event_count", "sealed_at", "hmac")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "occurred_at", "model_label", "object_pk", "action", "actor_label", "channel", "reason")
    list_filter = ("action", "channel", "model_label")
    search_fields = ("object_pk", "actor_label", "reason")
    show_full_result_count = False


class ReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required when changing a regulated record; it is kept in the audit trail.",
    )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not (cleaned.get("change_reason") or "").strip():
            self.add_error("change_reason", "Give the reason for this change.")
        return cleaned


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin for an audited model: a reason is required on change; nothing is ever deleted."""

    form = ReasonForm

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "change_reason"]
        return [*fields, "change_reason"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        with audit_context(reason=form.cleaned_data.get("change_reason", "").strip() or None, channel="admin"):
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
