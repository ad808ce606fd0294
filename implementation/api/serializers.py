"""Serializers of the rollout-plan API: explicit fields, unknown fields rejected, related records scoped."""

from __future__ import annotations

from rest_framework import serializers

from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictInputSerializer, StrictSerializer
from ims.org.models import Person, Site

from ..models import Phase, PlanCriterion, RolloutPlan, Task


class RolloutPlanSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code; fixed once created.")
    site_code = serializers.CharField(source="site.code", read_only=True)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    owner_detail = PersonBriefSerializer(source="owner", read_only=True, allow_null=True)

    class Meta:
        model = RolloutPlan
        fields = ["id", "site", "site_code", "title", "status", "owner", "owner_detail", "start_date",
                  "target_go_live", "live_since", "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "live_since", "is_active", "created_at", "updated_at"]
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None and "site" in attrs and attrs["site"].pk != self.instance.site_id:
            raise serializers.ValidationError({"site": "A plan keeps its site; retire it and start a new one."})
        if self.instance is None and attrs.get("status") not in (None, "planned"):
            raise serializers.ValidationError({"status": "A new plan starts as planned."})
        return attrs


class PhaseSerializer(StrictSerializer):
    plan = ScopedRelatedField(queryset=RolloutPlan.objects.all(), lookup_code=False, help_text="Fixed once created.")

    class Meta:
        model = Phase
        fields = ["id", "plan", "name", "step", "position", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]


class TaskSerializer(StrictSerializer):
    plan = ScopedRelatedField(queryset=RolloutPlan.objects.all(), lookup_code=False, help_text="Fixed once created.")
    phase = ScopedRelatedField(queryset=Phase.objects.all(), lookup_code=False, help_text="A phase of the plan.")
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    depends_on = ScopedRelatedField(
        queryset=Task.objects.all(), many=True, required=False, lookup_code=False,
        help_text="Ids of tasks of the same plan that must be done first.",
    )  # fmt: skip

    class Meta:
        model = Task
        fields = ["id", "plan", "phase", "title", "owner", "start_date", "due_date", "status", "depends_on",
                  "evidence", "evidence_url", "completed_on", "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "completed_on", "is_active", "created_at", "updated_at"]


class PlanCriterionSerializer(StrictSerializer):
    plan = ScopedRelatedField(queryset=RolloutPlan.objects.all(), lookup_code=False, help_text="Fixed once created.")
    met_by = PersonBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PlanCriterion
        fields = ["id", "plan", "key", "description", "step", "threshold", "mandatory", "met", "met_by", "met_at",
                  "evidence", "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "met_by", "met_at", "is_active", "created_at", "updated_at"]
        validators: list = []


class CriterionValueSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion.pk")
    key = serializers.CharField(source="criterion.key", help_text="Empty for a manual criterion.")
    label = serializers.CharField()
    step = serializers.IntegerField(allow_null=True)
    mandatory = serializers.BooleanField(source="criterion.mandatory")
    value = serializers.FloatField(source="value.value", allow_null=True)
    passed = serializers.BooleanField(source="value.passed")
    detail = serializers.CharField(source="value.detail")
    url = serializers.CharField(source="value.url")
    waived = serializers.BooleanField()


class ReadinessSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    percent = serializers.FloatField(allow_null=True)
    criteria = CriterionValueSerializer(source="states", many=True)


class GoLiveSignSerializer(StrictInputSerializer):
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="Your user ID (token clients: always)."
    )
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class WaiverSignSerializer(GoLiveSignSerializer):
    justification = serializers.CharField(max_length=4000)
