"""Serializers of ``/api/v1/reviews/``."""

from __future__ import annotations

from rest_framework import serializers

from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictInputSerializer, StrictSerializer
from ims.org.models import Person, Site

from ..models import ManagementReview, ReviewAction, ReviewDecision, ReviewPack


class ReviewSerializer(StrictSerializer):
    site = ScopedRelatedField(
        queryset=Site.objects.all(), allow_null=True, required=False, help_text="Site id or code; null: company-wide."
    )
    chair = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    chair_detail = PersonBriefSerializer(source="chair", read_only=True)
    attendees = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, many=True, required=False)

    class Meta:
        model = ManagementReview
        fields = [
            "id", "reference", "title", "site", "period_start", "period_end", "meeting_date", "chair", "chair_detail",
            "attendees", "minutes", "status", "held_at", "signed_at", "content_digest", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["reference", "status", "held_at", "signed_at", "content_digest", "created_at", "updated_at"]


class ReviewInputSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    order = serializers.IntegerField()
    summary = serializers.CharField()
    figures = serializers.DictField()
    html = serializers.CharField(help_text="Escaped HTML fragment (tables, inline SVG).")
    fixed = serializers.BooleanField(help_text="True once the meeting was held: the inputs as fixed then.")


class ReviewDecisionSerializer(StrictSerializer):
    class Meta:
        model = ReviewDecision
        fields = ["id", "text", "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]


class ReviewActionSerializer(StrictSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    site = ScopedRelatedField(
        queryset=Site.objects.all(), required=False, help_text="Only for a company-wide review: the action's site."
    )
    decision = serializers.PrimaryKeyRelatedField(
        queryset=ReviewDecision.objects.all(), required=False, allow_null=True
    )
    tracked_status = serializers.CharField(read_only=True, default="")

    class Meta:
        model = ReviewAction
        fields = [
            "id", "title", "description", "owner", "due_date", "site", "decision", "status", "action_kind",
            "action_reference", "tracked_status", "created_at",
        ]  # fmt: skip
        read_only_fields = ["status", "action_kind", "action_reference", "created_at"]


class MinutesSignSerializer(StrictInputSerializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReviewPackSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="job.status", read_only=True)
    percent = serializers.IntegerField(source="job.percent", read_only=True)
    message = serializers.CharField(source="job.message", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReviewPack
        fields = ["id", "review", "status", "percent", "message", "page_count", "sha256", "built_at", "download"]
        read_only_fields = fields

    def get_download(self, pack) -> str | None:
        from django.urls import reverse

        if not pack.built_at:
            return None
        return reverse("review-pack-download", args=[pack.review_id, pack.pk])
