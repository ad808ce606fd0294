"""Serializers of the register API: explicit fields, unknown fields refused, related records only if visible."""

from __future__ import annotations

from django.apps import apps
from rest_framework import serializers

from ims.documents.models import ControlledDocument
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Person, Site

from ..models import ComplianceEvaluation, Control, Obligation, RiskEntry

ENTRY_WRITABLE = [
    "kind", "reference", "site", "process", "title", "description", "hazard", "aspect", "impact",
    "operating_condition", "activity", "people_exposed", "existing_controls",
    "inherent_severity", "inherent_likelihood", "inherent_detectability",
    "residual_severity", "residual_likelihood", "residual_detectability", "residual_justification",
    "owner", "review_date",
]  # fmt: skip


class RiskEntrySerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    process = ScopedRelatedField(
        queryset=apps.get_model("processes", "Process").objects.all(), help_text="Process id or code (at the site)."
    )
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    owner_detail = PersonBriefSerializer(source="owner", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Empty on create: the next free reference."
    )

    class Meta:
        model = RiskEntry
        fields = [
            "id", *ENTRY_WRITABLE, "discipline", "site_code", "owner_detail", "inherent_score", "inherent_band",
            "residual_score", "residual_band", "is_significant", "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "discipline", "inherent_score", "inherent_band", "residual_score", "residual_band",
                            "is_significant", "is_active", "created_at", "updated_at"]  # fmt: skip
        validators: list = []
        extra_kwargs = {
            name: {"required": False, "allow_null": True}
            for name in ("inherent_detectability", "residual_detectability")
        }

    def validate_reference(self, value: str) -> str:
        if self.instance is not None and value and value.strip().upper() != self.instance.reference:
            raise serializers.ValidationError("Records and exports refer to the reference, so it never changes.")
        return value


class ControlSerializer(StrictSerializer):
    entry = ScopedRelatedField(queryset=RiskEntry.objects.all(), lookup_code=False, help_text="Entry id; fixed.")
    procedure = ScopedRelatedField(
        queryset=ControlledDocument.objects.all(), lookup_code=False, allow_null=True, required=False,
        help_text="Controlled document id.",
    )  # fmt: skip
    course = ScopedRelatedField(
        queryset=apps.get_model("training", "Course").objects.all(), lookup_code=False, allow_null=True,
        required=False, help_text="Training course id.",
    )  # fmt: skip
    capa = ScopedRelatedField(
        queryset=apps.get_model("capa", "Capa").objects.all(), lookup_code=False, allow_null=True, required=False,
        help_text="CAPA id.",
    )  # fmt: skip
    entry_reference = serializers.CharField(source="entry.reference", read_only=True)

    class Meta:
        model = Control
        fields = ["id", "entry", "entry_reference", "description", "procedure", "course", "capa", "is_active",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None and "entry" in attrs and attrs["entry"].pk != self.instance.entry_id:
            raise serializers.ValidationError({"entry": "A control stays with its entry; retire it and add a new one."})
        return attrs


class ObligationSerializer(StrictSerializer):
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    clause = ScopedRelatedField(
        queryset=apps.get_model("processes", "Clause").objects.all(), lookup_code=False, allow_null=True,
        required=False, help_text="Clause id of the standards library.",
    )  # fmt: skip
    site_codes = serializers.SlugRelatedField(source="sites", slug_field="code", many=True, read_only=True)
    last_evaluated_on = serializers.DateField(read_only=True, allow_null=True, default=None)
    last_result = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Obligation
        fields = [
            "id", "title", "obligation_type", "jurisdiction", "sites", "site_codes", "clause", "requirement_summary",
            "owner", "evaluation_interval_months", "next_evaluation", "last_evaluated_on", "last_result",
            "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]


class ComplianceEvaluationSerializer(StrictSerializer):
    obligation = ScopedRelatedField(queryset=Obligation.objects.all(), lookup_code=False, help_text="Obligation id.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    evidence_document = ScopedRelatedField(
        queryset=ControlledDocument.objects.all(), lookup_code=False, allow_null=True, required=False,
        help_text="Controlled document id.",
    )  # fmt: skip
    evaluated_by = ScopedRelatedField(
        queryset=Person.objects.all(), lookup_code=False, required=False, help_text="Person id; default: you."
    )
    next_evaluation = serializers.DateField(required=False, help_text="Default: the obligation's interval.")

    class Meta:
        model = ComplianceEvaluation
        fields = ["id", "obligation", "site", "evaluated_on", "result", "evidence", "evidence_document",
                  "evaluated_by", "next_evaluation", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("obligation", "site", "evaluated_on", "evaluated_by"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: "Fixed once recorded; record a new evaluation."})
        return attrs
