"""API serializers of document control. They parse and render; every write goes through the services."""

from __future__ import annotations

from rest_framework import serializers

from ims.esign.api.serializers import SignatureSerializer
from ims.esign.selectors import signatures_for
from ims.org.api.serializers import ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Role, Site

from ..choices import Discipline
from ..content import render_markdown
from ..models import ControlledDocument, DocumentVersion


class ControlledDocumentSerializer(StrictSerializer):
    disciplines = serializers.ListField(child=serializers.ChoiceField(choices=Discipline.choices), min_length=1)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True)
    functions = ScopedRelatedField(queryset=Function.objects.all(), many=True, required=False)
    roles = ScopedRelatedField(
        queryset=Role.objects.all(), many=True, required=False, help_text="Roles in scope; empty: every role."
    )
    requires_acknowledgement = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Everyone in scope reads and signs each effective version. Default: yes for policies and manuals.",
    )
    effective_version = serializers.SerializerMethodField(help_text="The id of the effective version, if any.")

    class Meta:
        model = ControlledDocument
        fields = [
            "id",
            "number",
            "title",
            "doc_type",
            "disciplines",
            "owner",
            "sites",
            "functions",
            "roles",
            "review_interval_months",
            "requires_acknowledgement",
            "acknowledgement_days",
            "review_due",
            "is_active",
            "effective_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "review_due", "is_active", "effective_version", "created_at", "updated_at"]
        upper_case_fields = ["number"]

    def get_effective_version(self, obj) -> int | None:
        return getattr(obj, "effective_version_id", None)

    def validate_number(self, value):
        if self.instance is not None and value != self.instance.number:
            raise serializers.ValidationError("A document's number never changes.")
        return value


class DocumentVersionSerializer(StrictSerializer):
    document = ScopedRelatedField(queryset=ControlledDocument.objects.all(), lookup_code=False)
    body_html = serializers.SerializerMethodField(help_text="The Markdown content as sanitised HTML.")
    file_url = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField(help_text="Signature manifestations: name, date-time, meaning.")
    attachment = serializers.FileField(
        write_only=True, required=False, help_text="A PDF or DOCX (multipart upload); checked by its content."
    )

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "document",
            "number",
            "status",
            "body",
            "body_html",
            "change_summary",
            "effective_date",
            "attachment",
            "attachment_name",
            "attachment_type",
            "attachment_size",
            "attachment_sha256",
            "file_url",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "effective_at",
            "superseded_at",
            "retired_at",
            "signatures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "body_html",
            "attachment_name",
            "attachment_type",
            "attachment_size",
            "attachment_sha256",
            "file_url",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "effective_at",
            "superseded_at",
            "retired_at",
            "signatures",
            "created_at",
            "updated_at",
        ]

    def get_body_html(self, obj) -> str:
        return str(render_markdown(obj.body))

    def get_file_url(self, obj) -> str | None:
        if not obj.attachment:
            return None
        from django.urls import reverse

        return reverse("documents:version_file", args=[obj.pk])

    def get_signatures(self, obj) -> list[dict]:
        if not self.context.get("with_signatures"):
            return []
        context = {**self.context, "tz": self.context["tz"]}
        return SignatureSerializer(signatures_for(obj), many=True, context=context).data

    def validate_document(self, value):
        if self.instance is not None and value != self.instance.document:
            raise serializers.ValidationError("A version never moves to another document.")
        return value


class SignatureStepSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TransitionSerializer(serializers.Serializer):
    change_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
