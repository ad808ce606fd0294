"""Training is managed in the portal's pages; the admin holds the company-wide signer qualifications."""

from django.contrib import admin

from ims.audit.admin import AuditedModelAdmin

from .models import SignerQualification


@admin.register(SignerQualification)
class SignerQualificationAdmin(AuditedModelAdmin):
    """Part 11 §11.10(i): which course a reviewer or approver of each document type must be current on."""

    list_display = ("doc_type", "duty", "course", "is_active", "updated_at")
    list_filter = ("doc_type", "duty", "is_active")
    autocomplete_fields = ()
