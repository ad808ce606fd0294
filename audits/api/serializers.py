"""Serializers of the audits API: explicit fields, unknown fields rejected, related records scoped."""

from __future__ import annotations

from rest_framework import serializers

from ims.org.api.serializers import (
    PersonBriefSerializer,
    ScopedRelatedField,
    StrictInputSerializer,
    StrictSerializer,
)
from ims.org.models import Person, Site
from processes.models import Clause, Process, Standard

from ..choices import ChecklistResult, FindingGrade, Frequency, RiskLevel
from ..models import Audit, AuditProgramme, ChecklistItem, Finding, ProgrammeArea


class ReasonSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why; required (kept in the audit trail)."
    )


class AreaSerializer(StrictSerializer):
    process = ScopedRelatedField(queryset=Process.objects.all(), required=False, allow_null=True)
    standard = serializers.PrimaryKeyRelatedField(queryset=Standard.objects.all(), required=False, allow_null=True)
    clause = serializers.PrimaryKeyRelatedField(queryset=Clause.objects.all(), required=False, allow_null=True)
    auditor = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    risk = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    frequency_override = serializers.ChoiceField(choices=Frequency.choices, required=False, allow_null=True)
    frequency = serializers.IntegerField(read_only=True, help_text="Audits a year (the override, else by risk).")

    class Meta:
        model = ProgrammeArea
        fields = ["id", "process", "standard", "clause", "risk", "frequency_override", "frequency", "auditor"]


class AuditProgrammeSerializer(StrictSerializer):
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    areas = AreaSerializer(many=True, read_only=True)

    class Meta:
        model = AuditProgramme
        fields = ["id", "year", "title", "sites", "objectives", "areas", "is_active", "created_at", "updated_at"]
        read_only_fields = ["is_active", "created_at", "updated_at"]


class AuditSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code (fixed).")
    processes = ScopedRelatedField(queryset=Process.objects.all(), many=True, required=False)
    clauses = serializers.PrimaryKeyRelatedField(queryset=Clause.objects.all(), many=True, required=False)
    lead_auditor = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    lead_auditor_detail = PersonBriefSerializer(source="lead_auditor", read_only=True, allow_null=True)
    auditors = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True, required=False)
    auditees = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True, required=False)

    class Meta:
        model = Audit
        fields = [
            "id", "reference", "title", "site", "programme", "area", "period_start", "processes", "clauses",
            "scope_note", "planned_date", "planned_end", "status", "lead_auditor", "lead_auditor_detail", "auditors",
            "auditees", "cancel_reason", "summary", "started_at", "completed_at", "report_digest", "acknowledged_by",
            "acknowledged_at", "approved_by", "approved_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "programme", "area", "period_start", "status", "cancel_reason", "summary", "started_at",
            "completed_at", "report_digest", "acknowledged_by", "acknowledged_at", "approved_by", "approved_at",
            "created_at", "updated_at",
        ]  # fmt: skip


class RescheduleSerializer(ReasonSerializer):
    planned_date = serializers.DateField()
    planned_end = serializers.DateField(required=False, allow_null=True)


class AssignSerializer(ReasonSerializer):
    lead_auditor = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    auditors = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True, required=False)
    auditees = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True, required=False)


class AuditSignSerializer(StrictInputSerializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    summary = serializers.CharField(required=False, allow_blank=True, help_text="Summary (signing as author only).")


class ChecklistItemSerializer(StrictSerializer):
    result = serializers.ChoiceField(
        choices=ChecklistResult.choices, allow_blank=True, required=False, help_text="Blank: not checked."
    )
    files = serializers.SerializerMethodField(help_text="Evidence files: id and name.")

    class Meta:
        model = ChecklistItem
        fields = [
            "id", "audit", "position", "clause", "process", "question", "result", "notes", "files", "answered_by",
            "answered_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["audit", "position", "clause", "process", "question", "answered_by", "answered_at"]

    def get_files(self, obj) -> list[dict]:
        return [{"id": f.pk, "name": f.original_name} for f in obj.files.all()]


class FindingSerializer(StrictSerializer):
    audit = ScopedRelatedField(queryset=Audit.objects.all(), lookup_code=False, help_text="The audit (fixed).")
    clause = serializers.PrimaryKeyRelatedField(queryset=Clause.objects.all(), help_text="A clause of the scope.")
    process = ScopedRelatedField(queryset=Process.objects.all(), required=False, allow_null=True)
    checklist_item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem._base_manager.all(), required=False, allow_null=True
    )
    grade = serializers.ChoiceField(choices=FindingGrade.choices)

    class Meta:
        model = Finding
        fields = [
            "id", "reference", "audit", "site", "grade", "clause", "process", "checklist_item", "statement",
            "evidence_reference", "raised_on", "raised_by", "status", "action_kind", "action_ref", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "site", "raised_on", "raised_by", "status", "action_kind", "action_ref", "created_at",
            "updated_at",
        ]  # fmt: skip


class RaiseCapaSerializer(StrictInputSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class TrendRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class TrendsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_grade = serializers.DictField(child=serializers.IntegerField())
    pareto = serializers.ListField(child=serializers.DictField())
    by_quarter = serializers.ListField(child=serializers.DictField())
    by_process = TrendRowSerializer(many=True)
    by_site = TrendRowSerializer(many=True)
    recurring = serializers.ListField(child=serializers.DictField())
