"""Serializers of ``/api/v1/manual/``: manuals, their versions, sections, live blocks and site annexes."""

from __future__ import annotations

from rest_framework import serializers

from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.org.api.serializers import ScopedRelatedField, StrictSerializer
from ims.org.models import Person, Site

from ..models import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex

MANUAL_VERSIONS = DocumentVersion.objects.filter(document__doc_type=DocumentType.MANUAL)


class ManualSerializer(StrictSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    effective_date = serializers.DateField(write_only=True, required=False, allow_null=True)
    versions = serializers.SerializerMethodField()

    class Meta:
        model = ControlledDocument
        fields = ["id", "number", "title", "owner", "sites", "requires_acknowledgement", "effective_date",
                  "versions", "is_active", "created_at"]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "versions"]
        upper_case_fields = ["number"]

    def get_versions(self, obj) -> list[dict]:
        user = self.context["request"].user
        versions = DocumentVersion.objects.restrict(user, "view").filter(document=obj).order_by("-number")
        return [{"id": v.pk, "number": v.number, "status": v.status} for v in versions]


class ManualVersionSerializer(StrictSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["id", "document", "number", "status", "change_summary", "effective_date", "approved_at", "body"]
        read_only_fields = fields


class SectionSerializer(StrictSerializer):
    version = ScopedRelatedField(queryset=MANUAL_VERSIONS, lookup_code=False, help_text="Draft version id.")

    class Meta:
        model = ManualSection
        fields = ["id", "version", "slot", "order", "title", "body", "mandatory", "is_active", "updated_at"]
        read_only_fields = ["id", "order", "is_active", "updated_at"]

    def validate_version(self, value):
        if self.instance is not None and value.pk != self.instance.version_id:
            raise serializers.ValidationError("A section stays in its version.")
        return value


class BlockSerializer(StrictSerializer):
    section = ScopedRelatedField(queryset=ManualSection.objects.all(), lookup_code=False, help_text="Section id.")

    class Meta:
        model = SectionBlock
        fields = ["id", "section", "order", "block_key", "params", "is_active", "updated_at"]
        read_only_fields = ["id", "order", "is_active", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("section", "block_key"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: "A block keeps its section and kind; remove it instead."})
        return attrs


class AnnexSerializer(StrictSerializer):
    version = ScopedRelatedField(queryset=MANUAL_VERSIONS, lookup_code=False, help_text="Draft version id.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code (one of the manual's sites).")

    class Meta:
        model = SiteAnnex
        fields = ["id", "version", "site", "local_scope", "local_regulations", "local_roles", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("version", "site"):
                if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise serializers.ValidationError({name: "An annex keeps its version and site."})
        return attrs


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ManualSnapshot
        fields = ["id", "version", "core_html", "annexes", "sources", "toc", "sha256", "rendered_at"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed"])
    block = serializers.CharField()
    label = serializers.CharField()
    ref = serializers.CharField()
