"""API serializers of training (catalogue, requirements, assignments, records): parse and render only.

The viewsets call ``training.catalogue`` and ``training.services``; the related fields only accept records the
caller may view (``ScopedRelatedField``).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ims.documents.models import ControlledDocument
from ims.esign.api.serializers import SignatureSerializer
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Role, Site
from ims.web.input import reject_unknown_fields

from ..models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement


def material_file_url(serializer, material) -> str | None:
    """The scope-checked download (never /media/, which nothing serves)."""
    if not material.file:
        return None
    path = reverse("training:material_file", args=[material.pk])
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class CourseMaterialSerializer(StrictSerializer):
    course = ScopedRelatedField(queryset=Course.objects.all(), help_text="Course id or code.")
    file = serializers.SerializerMethodField(help_text="Download link of the uploaded file (uploaded on the page).")

    class Meta:
        model = CourseMaterial
        fields = ["id", "course", "title", "url", "file", "is_active", "updated_at"]
        read_only_fields = ["id", "file", "is_active", "updated_at"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_file(self, material) -> str | None:
        return material_file_url(self, material)


class CourseMaterialBriefSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField(help_text="Download link of the uploaded file.")

    class Meta:
        model = CourseMaterial
        fields = ["id", "title", "url", "file", "is_active"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_file(self, material) -> str | None:
        return material_file_url(self, material)


class CourseSerializer(StrictSerializer):
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    documents = ScopedRelatedField(
        queryset=ControlledDocument.objects.all(),
        lookup_code=False,
        many=True,
        required=False,
        help_text="Controlled document ids: training is on their effective versions.",
    )
    materials = CourseMaterialBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "description",
            "sites",
            "documents",
            "duration_minutes",
            "has_assessment",
            "requires_practical",
            "materials",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "materials", "is_active", "created_at", "updated_at"]
        upper_case_fields = ["code"]

    def validate_code(self, value):
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError("Records refer to the code, so it never changes.")
        return value


class CurriculumSerializer(StrictSerializer):
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    courses = ScopedRelatedField(queryset=Course.objects.all(), many=True, help_text="Course ids or codes.")

    class Meta:
        model = Curriculum
        fields = ["id", "code", "title", "sites", "courses", "is_active", "updated_at"]
        read_only_fields = ["id", "is_active", "updated_at"]
        upper_case_fields = ["code"]

    def validate_code(self, value):
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError("Records refer to the code, so it never changes.")
        return value


class TrainingRequirementSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    function = ScopedRelatedField(
        queryset=Function.objects.all(), allow_null=True, required=False, help_text="Function id or code; empty: all."
    )
    role = ScopedRelatedField(
        queryset=Role.objects.all(), allow_null=True, required=False, help_text="Role id or code; empty: all."
    )
    course = ScopedRelatedField(
        queryset=Course.objects.all(), allow_null=True, required=False, help_text="Course id or code."
    )
    curriculum = ScopedRelatedField(
        queryset=Curriculum.objects.all(), allow_null=True, required=False, help_text="Curriculum id or code."
    )
    site_code = serializers.CharField(source="site.code", read_only=True)

    class Meta:
        model = TrainingRequirement
        fields = [
            "id",
            "site",
            "site_code",
            "function",
            "role",
            "course",
            "curriculum",
            "recurrence_months",
            "grace_days",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]

    def validate(self, attrs):
        if bool(attrs.get("course")) == bool(attrs.get("curriculum")):
            raise serializers.ValidationError({"course": ["Give either a course or a curriculum."]})
        return attrs


class AssignmentSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)
    course_code = serializers.CharField(source="course.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open and past the due date.")

    # Blank until cancelled: the schema's enum says so.
    cancel_reason = serializers.ChoiceField(
        choices=Assignment._meta.get_field("cancel_reason").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "person",
            "course",
            "course_code",
            "site",
            "site_code",
            "requirement",
            "reason",
            "document_version",
            "due_date",
            "status",
            "is_overdue",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "cancel_note",
            "assigned_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):
    """A manual assignment: who, which course, at which site, by when."""

    person = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    course = ScopedRelatedField(queryset=Course.objects.all(), help_text="Course id or code.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    due_date = serializers.DateField()

    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class AssignmentWithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, help_text="Why the assignment is withdrawn; kept on it.")


class TrainingRecordSerializer(serializers.ModelSerializer):
    """A completed training, with the trainee's "trained" signature manifestation."""

    person = PersonBriefSerializer(read_only=True)
    course_code = serializers.CharField(source="course.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    signature = serializers.SerializerMethodField(help_text="The signature manifestation (meaning: trained).")

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "person",
            "course",
            "course_code",
            "site",
            "site_code",
            "assignment",
            "document_version",
            "method",
            "completed_on",
            "valid_until",
            "score",
            "trainer",
            "verified_at",
            "verified_by",
            "signature",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SignatureSerializer(allow_null=True))
    def get_signature(self, record: TrainingRecord) -> dict | None:
        if record.signature_id is None:
            return None
        return SignatureSerializer(record.signature, context=self.context).data
