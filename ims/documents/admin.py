"""Document control is managed in the portal's pages; the admin only reads."""

from django.contrib import admin

from ims.audit.admin import ReadOnlyAdmin

from .models import ControlledDocument, DocumentVersion


@admin.register(ControlledDocument)
class ControlledDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "doc_type", "owner", "review_due", "is_active")
    search_fields = ("number", "title")


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ("document", "number", "status", "author", "effective_date")
    list_filter = ("status",)
