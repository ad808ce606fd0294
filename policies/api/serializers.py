"""API serializers for objectives and readings: parse and render only; the viewsets call the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ims.org.api.serializers import ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Site

from ..choices import Assignment, Health, ObjectiveLevel
from ..models import Objective, ObjectiveReading, Responsibility


class ObjectiveSerializer(StrictSerializer):
    site = ScopedRelatedField(
        queryset=Site.objects.all(),
        allow_null=True,
        required=False,
        help_text="Site id or code; empty for a company-wide objective.",
    )
    function = ScopedRelatedField(
        queryset=Function.objects.all(),
        allow_null=True,
        required=False,
        help_text="Function id or code (needs a site).",
    )
    parent = ScopedRelatedField(
        queryset=Objective.objects.all(),
        lookup_code=False,
        allow_null=True,
        required=False,
        help_text="The objective one level up that this one supports.",
    )
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    site_code = serializers.CharField(source="site.code", read_only=True, default=None)
    function_code = serializers.CharField(source="function.code", read_only=True, default=None)
    level = serializers.SerializerMethodField(help_text="company, site or function (from site and function).")
    health = serializers.SerializerMethodField(
        help_text="on_track, at_risk, off_track or not_measured, from the latest reading, target and time left."
    )
    latest_value = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True, allow_null=True)
    latest_period_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "title",
            "description",
            "discipline",
            "level",
            "site",
            "site_code",
            "function",
            "function_code",
            "parent",
            "kpi",
            "unit",
            "direction",
            "target",
            "target_min",
            "target_max",
            "baseline",
            "owner",
            "start_date",
            "due_date",
            "status",
            "health",
            "latest_value",
            "latest_period_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"start_date": {"required": False}, "status": {"required": False}}

    @extend_schema_field(serializers.ChoiceField(choices=ObjectiveLevel.choices))
    def get_level(self, objective: Objective) -> str:
        return objective.level.value

    @extend_schema_field(serializers.ChoiceField(choices=Health.choices))
    def get_health(self, objective: Objective) -> str:
        return objective.health.value


class ObjectiveReadingSerializer(StrictSerializer):
    objective = ScopedRelatedField(queryset=Objective.objects.all(), lookup_code=False, help_text="Objective id.")
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ObjectiveReading
        fields = [
            "id",
            "objective",
            "period_end",
            "value",
            "comment",
            "recorded_by",
            "is_void",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "recorded_by", "is_void", "created_at", "updated_at"]


class ResponsibilitySerializer(StrictSerializer):
    document_number = serializers.CharField(source="document.number", read_only=True)
    role_code = serializers.CharField(source="role.code", read_only=True)

    class Meta:
        model = Responsibility
        fields = ["id", "document", "document_number", "role", "role_code", "assignment", "created_at", "updated_at"]
        read_only_fields = fields


class CellChangeSerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="Controlled document id (a procedure or policy).")
    role = serializers.IntegerField(help_text="Role id.")
    assignment = serializers.ChoiceField(
        choices=Assignment.choices, allow_blank=True, help_text="R, A, C, I, or blank to clear the cell."
    )


class ResponsibilityBulkSerializer(serializers.Serializer):
    changes = CellChangeSerializer(many=True, allow_empty=False)
    change_reason = serializers.CharField(max_length=2000, help_text="Why the matrix changes; kept in the audit trail.")


class ResponsibilityBulkResultSerializer(serializers.Serializer):
    saved = ResponsibilitySerializer(many=True, help_text="The cells whose value changed.")
