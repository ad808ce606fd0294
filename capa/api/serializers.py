"""Serializers of the CAPA API: explicit fields, unknown fields rejected, related records through scoped fields."""

from __future__ import annotations

from rest_framework import serializers

from capa.choices import RiskBand
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Person, Site
from ims.web.input import reject_unknown_fields
from policies.models import Objective

from ..choices import REOPEN_TARGETS, CheckCriterion, FishboneCategory, RootCauseCategory
from ..models import Capa, CapaAction, EffectivenessCheck


class CapaStrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class CapaSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code; fixed.")
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False)
    owner_detail = PersonBriefSerializer(source="owner", read_only=True)
    # Blank until severity and occurrence are rated: the schema says so (its enum includes "").
    risk_band = serializers.ChoiceField(choices=RiskBand.choices, allow_blank=True, read_only=True)
    root_cause_category = serializers.ChoiceField(
        choices=RootCauseCategory.choices, allow_blank=True, read_only=True, help_text="Blank until the RCA names it."
    )
    site_code = serializers.CharField(source="site.code", read_only=True)

    class Meta:
        model = Capa
        fields = [
            "id", "reference", "kind", "site", "site_code", "title", "description", "source", "source_label",
            "clause", "process", "owner", "owner_detail", "due_date", "impact_quality", "impact_safety",
            "impact_environment", "severity", "occurrence", "risk_score", "risk_band", "containment", "whys",
            "fishbone", "root_cause", "root_cause_category", "state", "plan_digest", "closure_digest",
            "plan_approved_by", "plan_approved_at", "closed_by", "closed_at", "reopen_count", "reopen_reason",
            "opened_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "clause", "process", "risk_score", "risk_band", "whys", "fishbone", "root_cause",
            "root_cause_category", "state", "plan_digest", "closure_digest", "plan_approved_by", "plan_approved_at",
            "closed_by", "closed_at", "reopen_count", "reopen_reason", "opened_at", "updated_at",
        ]  # fmt: skip


class CapaActionSerializer(StrictSerializer):
    capa = ScopedRelatedField(queryset=Capa.objects.all(), lookup_code=False)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False)
    has_evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = CapaAction
        fields = [
            "id", "capa", "kind", "title", "description", "owner", "due_date", "status", "evidence_note",
            "has_evidence_file", "evidence_name", "evidence_sha256", "done_by", "done_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "evidence_note", "evidence_name", "evidence_sha256", "done_by", "done_at", "created_at",
            "updated_at",
        ]  # fmt: skip

    def get_has_evidence_file(self, obj) -> bool:
        return bool(obj.evidence_file)


class EffectivenessCheckSerializer(StrictSerializer):
    class Meta:
        model = EffectivenessCheck
        fields = [
            "id", "capa", "criterion", "objective", "window_start", "due_date", "months", "status", "measured_value",
            "measured_text", "evaluated_at", "planned_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CapaReasonSerializer(CapaStrictInputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CapaRcaSerializer(CapaStrictInputSerializer):
    whys = serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=10)
    fishbone = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=300)),
        required=False,
        help_text=f"Causes by category: {', '.join(FishboneCategory.values)}.",
    )
    root_cause = serializers.CharField(required=False, allow_blank=True)
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CapaCheckPlanSerializer(CapaStrictInputSerializer):
    criterion = serializers.ChoiceField(choices=CheckCriterion.choices, required=False, allow_blank=True)
    objective = serializers.PrimaryKeyRelatedField(queryset=Objective.objects.none(), required=False, allow_null=True)
    window_start = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["objective"].queryset = Objective.objects.restrict(request.user, "view")


class CapaReopenSerializer(CapaStrictInputSerializer):
    to_state = serializers.ChoiceField(choices=[(s, s) for s in REOPEN_TARGETS])
    reason = serializers.CharField(max_length=1000)


class CapaSignSerializer(CapaStrictInputSerializer):
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="Your user ID (token clients: always)."
    )
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CapaRetrainingSerializer(CapaStrictInputSerializer):
    people = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True)
    course_code = serializers.CharField(max_length=40)
    due_date = serializers.DateField()


class CapaCompleteSerializer(CapaStrictInputSerializer):
    evidence_note = serializers.CharField(required=False, allow_blank=True)
    evidence_file = serializers.FileField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CapaTrendRowSerializer(serializers.Serializer):
    metric = serializers.CharField()
    period_or_site = serializers.CharField()
    count = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True)
