"""Serializers of the framework API: fields listed, unknown fields refused, related records only if visible."""

from __future__ import annotations

from rest_framework import serializers

from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.org.api.serializers import ScopedRelatedField, StrictSerializer
from ims.org.models import Person, Role, Site
from policies.models import Objective
from processes.models import Clause, Process, Standard

from ..matrix import MAX_STANDARDS
from ..models import MonitoringPlanItem, ProcedureRecord


class ProcedureRecordSerializer(StrictSerializer):
    document = ScopedRelatedField(
        queryset=ControlledDocument.objects.filter(doc_type=DocumentType.PROCEDURE), lookup_code=False,
        help_text="Id of the procedure (controlled document of type procedure); fixed once created.",
    )  # fmt: skip
    document_number = serializers.CharField(source="document.number", read_only=True)
    form_document = ScopedRelatedField(
        queryset=ControlledDocument.objects.filter(doc_type=DocumentType.FORM), lookup_code=False,
        required=False, allow_null=True, help_text="Id of the controlled form or template, if any.",
    )  # fmt: skip

    class Meta:
        model = ProcedureRecord
        fields = ["id", "document", "document_number", "name", "form_document", "retention", "location",
                  "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        validators: list = []


class MonitoringPlanItemSerializer(StrictSerializer):
    process = ScopedRelatedField(queryset=Process.objects.all(), help_text="Process id or code; fixed once created.")
    process_code = serializers.CharField(source="process.code", read_only=True)
    objective = ScopedRelatedField(
        queryset=Objective.objects.all(), lookup_code=False, required=False, allow_null=True,
        help_text="Id of the objective whose KPI is measured.",
    )  # fmt: skip
    responsible_role = ScopedRelatedField(queryset=Role.objects.all(), help_text="Role id or code.")
    responsible_person = ScopedRelatedField(
        queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True, help_text="Person id."
    )
    measure = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="Empty: the KPI of the objective.")  # fmt: skip

    class Meta:
        model = MonitoringPlanItem
        fields = ["id", "process", "process_code", "objective", "measure", "method", "frequency", "responsible_role",
                  "responsible_person", "reported_to", "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        validators: list = []


class ProcedureMatrixQuerySerializer(serializers.Serializer):
    standards = serializers.PrimaryKeyRelatedField(queryset=Standard.objects.all(), many=True, required=False)
    site = ScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    discipline = serializers.CharField(required=False, allow_blank=True)

    def validate_standards(self, value):
        if len(value) > MAX_STANDARDS:
            raise serializers.ValidationError(f"Choose at most {MAX_STANDARDS} standards.")
        return value


class ProcedureMatrixRowSerializer(serializers.Serializer):
    clause = serializers.IntegerField(source="pk")
    standard = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    is_leaf = serializers.BooleanField()
    procedures = serializers.ListField(child=serializers.IntegerField(), source="direct")
    covering = serializers.ListField(child=serializers.IntegerField())
    gap = serializers.BooleanField()
    several = serializers.BooleanField()


class ProcedureMatrixColumnSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    disciplines = serializers.ListField(child=serializers.CharField())


class ProcedureMatrixSerializer(serializers.Serializer):
    standards = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    procedures = ProcedureMatrixColumnSerializer(many=True)
    unlinked = ProcedureMatrixColumnSerializer(many=True)
    rows = ProcedureMatrixRowSerializer(many=True)

    def get_standards(self, matrix) -> list[str]:
        return [str(standard) for standard in matrix.standards]

    def get_counts(self, matrix) -> dict[str, int]:
        return {
            "clauses": len(matrix.leaf_rows),
            "covered": matrix.covered,
            "no_procedure": matrix.gaps,
            "several_procedures": matrix.several,
            "procedures": len(matrix.procedures),
            "procedures_with_no_clause": len(matrix.unlinked),
            "integrated_procedures": len(matrix.integrated),
        }


class ProcedureDraftSerializer(serializers.Serializer):
    standards = serializers.PrimaryKeyRelatedField(
        queryset=Standard.objects.all(), many=True, required=False,
        help_text="The standards whose requirement groups are computed (default: current 9001/14001/45001).",
    )  # fmt: skip
    clause = serializers.PrimaryKeyRelatedField(
        queryset=Clause.objects.all(), help_text="Any clause of the group to draft."
    )
    number = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")

    def validate_standards(self, value):
        if len(value) > MAX_STANDARDS:
            raise serializers.ValidationError(f"Choose at most {MAX_STANDARDS} standards.")
        return value


class ProcedureDraftResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    disciplines = serializers.ListField(child=serializers.CharField())
    clauses = serializers.ListField(child=serializers.IntegerField())
