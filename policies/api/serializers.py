"""API serializers for objectives, readings, RACI and acknowledgements: parse and render only.

The viewsets call the services (``policies.services``, ``policies.distribution``) and selectors (``policies.coverage``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ims.esign.api.serializers import SignatureSerializer
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Site
from ims.web.input import reject_unknown_fields

from ..choices import Assignment, Health, ObjectiveLevel
from ..coverage import STATES
from ..models import Acknowledgement, Distribution, Objective, ObjectiveReading, Responsibility

#: Every state of a task: the four coverage counts plus cancelled (history).
TASK_STATES = (*STATES, ("cancelled", "Cancelled"))


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
    # Null for a company-wide objective (no site) or a site objective (no function).
    site_code = serializers.CharField(source="site.code", read_only=True, default=None, allow_null=True)
    function_code = serializers.CharField(source="function.code", read_only=True, default=None, allow_null=True)
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


# --- Read-and-acknowledge tasks --------------------------------------------------------------------------------------


class AcknowledgementSerializer(serializers.ModelSerializer):
    """A task to read one effective version and acknowledge it; ``signature`` once acknowledged."""

    document = serializers.IntegerField(source="version.document_id", read_only=True)
    document_number = serializers.CharField(source="version.document.number", read_only=True)
    document_title = serializers.CharField(source="version.document.title", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    person = PersonBriefSerializer(read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    function_code = serializers.CharField(source="function.code", read_only=True)
    state = serializers.ChoiceField(
        choices=TASK_STATES,
        read_only=True,
        help_text="acknowledged, in_progress (read, not signed), not_started, overdue (open past due) or cancelled.",
    )
    signature = serializers.SerializerMethodField(help_text="The signature manifestation once acknowledged.")

    # Blank until cancelled: the schema's enum says so.
    cancel_reason = serializers.ChoiceField(
        choices=Acknowledgement._meta.get_field("cancel_reason").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "distribution",
            "document",
            "document_number",
            "document_title",
            "version",
            "version_number",
            "person",
            "site",
            "site_code",
            "function",
            "function_code",
            "status",
            "state",
            "due_date",
            "opened_at",
            "acknowledged_at",
            "cancelled_at",
            "cancel_reason",
            "cancel_note",
            "signature",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SignatureSerializer(allow_null=True))
    def get_signature(self, task: Acknowledgement) -> dict | None:
        if task.signature_id is None:
            return None
        return SignatureSerializer(task.signature, context=self.context).data


class DistributionSerializer(serializers.ModelSerializer):
    """An effective version sent out for reading: its due date and how many people were asked at first."""

    document = serializers.IntegerField(source="version.document_id", read_only=True)
    document_number = serializers.CharField(source="version.document.number", read_only=True)
    document_title = serializers.CharField(source="version.document.title", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Distribution
        fields = [
            "id",
            "document",
            "document_number",
            "document_title",
            "version",
            "version_number",
            "due_date",
            "audience_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    """The Part 11 ceremony for one's own task; the statement signed is fixed by the version."""

    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="Your user ID: required outside a continuous web session (token clients: always).",
    )
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="Always required.",
    )

    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class CoverageFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Live tasks (open and acknowledged) of effective versions.")
    acknowledged = serializers.IntegerField()
    in_progress = serializers.IntegerField(help_text="Read, not yet signed, not overdue.")
    not_started = serializers.IntegerField(help_text="Never opened, not overdue.")
    overdue = serializers.IntegerField(help_text="Open past the due date.")
    percent = serializers.FloatField(allow_null=True, help_text="% acknowledged; null without tasks.")


class CoverageRowSerializer(CoverageFiguresSerializer):
    """One site, function or document version, depending on ``group``; only that group's keys are present."""

    site = serializers.IntegerField(required=False)
    site_code = serializers.CharField(required=False)
    site_name = serializers.CharField(required=False)
    function = serializers.IntegerField(required=False)
    function_code = serializers.CharField(required=False)
    function_name = serializers.CharField(required=False)
    document = serializers.IntegerField(required=False)
    document_number = serializers.CharField(required=False)
    document_title = serializers.CharField(required=False)
    version_number = serializers.IntegerField(required=False)


class CoverageSerializer(serializers.Serializer):
    totals = CoverageFiguresSerializer()
    rows = CoverageRowSerializer(many=True)
