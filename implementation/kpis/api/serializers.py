"""Serializers of the KPI API: explicit fields, unknown fields refused, related records by id or code in scope."""

from __future__ import annotations

from rest_framework import serializers

from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictInputSerializer, StrictSerializer
from ims.org.models import Person, Site

from ..models import Kpi, KpiSignal, Reading


class KpiSerializer(StrictSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    owner_detail = PersonBriefSerializer(source="owner", read_only=True)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    site_codes = serializers.SlugRelatedField(source="sites", slug_field="code", many=True, read_only=True)

    class Meta:
        model = Kpi
        fields = [
            "id", "code", "name", "description", "objective", "discipline", "unit", "direction", "target",
            "target_min", "target_max", "physical_min", "physical_max", "frequency", "owner", "owner_detail",
            "sites", "site_codes", "data_source", "source_key", "baseline_start", "baseline_end", "is_active",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        upper_case_fields = ["code"]
        validators: list = []
        extra_kwargs = {"code": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "objective" in fields:
            from policies.selectors import objective_queryset

            fields["objective"].queryset = objective_queryset(user=request.user)
        return fields

    def validate_code(self, value: str) -> str:
        if self.instance is not None and value.strip().upper() != self.instance.code:
            raise serializers.ValidationError("Readings and exports refer to the code, so it never changes.")
        return value


class ReadingSerializer(StrictSerializer):
    """A reading; in the time series a BI tool polls (``updated_since``), voided readings come with ``is_void``."""

    kpi = ScopedRelatedField(queryset=Kpi.objects.all(), help_text="KPI id or code.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    period = serializers.DateField(write_only=True, help_text="Any day of the period (month or quarter).")

    class Meta:
        model = Reading
        fields = [
            "id", "kpi", "kpi_code", "site", "site_code", "period", "period_start", "period_end", "value",
            "denominator", "channel", "comment", "entered_by", "is_void", "void_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "period_start", "period_end", "channel", "entered_by", "is_void", "void_reason", "created_at",
            "updated_at",
        ]  # fmt: skip


class ReadingCorrectionSerializer(StrictSerializer):
    class Meta:
        model = Reading
        fields = ["value", "denominator", "comment"]


class BulkRowSerializer(serializers.Serializer):
    kpi = serializers.CharField(help_text="KPI code.")
    site = serializers.CharField(help_text="Site code.")
    period = serializers.CharField(help_text="YYYY-MM or YYYY-MM-DD.")
    value = serializers.CharField(help_text="A number.")
    denominator = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True)


class BulkRequestSerializer(StrictInputSerializer):
    readings = BulkRowSerializer(many=True, help_text="Up to 20,000 rows; all are recorded or none.")
    dry_run = serializers.BooleanField(required=False, default=False)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based position in `readings` (0: the request as a whole).")
    column = serializers.CharField()
    message = serializers.CharField()


class BulkResponseSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    errors = RowErrorSerializer(many=True)


class SeriesPointSerializer(serializers.ModelSerializer):
    """One row of the time series: compact, flat, with ``updated_at`` as the polling cursor."""

    kpi = serializers.CharField(source="kpi.code")
    site = serializers.CharField(source="site.code")

    class Meta:
        model = Reading
        fields = ["id", "kpi", "site", "period_start", "period_end", "value", "denominator", "is_void", "updated_at"]


class KpiSignalSerializer(serializers.ModelSerializer):
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    period_start = serializers.DateField(source="reading.period_start", read_only=True)

    class Meta:
        model = KpiSignal
        fields = ["id", "kpi", "kpi_code", "site", "site_code", "reading", "period_start", "rule", "capa_reference",
                  "capa_url", "is_dismissed", "dismiss_reason", "created_at"]  # fmt: skip
        read_only_fields = fields
