"""Serializers of the feedback API. The reporter of a named item is shown only to those who triage."""

from __future__ import annotations

from rest_framework import serializers

from ims.access.permissions import user_can_any_site
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Site

from ..choices import TriageDecision
from ..models import FeedbackItem
from ..services import PERM_TRIAGE


class FeedbackItemSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code (one of your sites).")
    function = ScopedRelatedField(
        queryset=Function.objects.all(), required=False, allow_null=True, help_text="Function id or code."
    )
    anonymous = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="Store nothing about you: no person, token, request id or address; no status updates.",
    )  # fmt: skip
    is_anonymous = serializers.BooleanField(read_only=True)
    submitter = serializers.SerializerMethodField()
    site_code = serializers.CharField(source="site.code", read_only=True)
    action_url = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackItem
        fields = [
            "id", "reference", "kind", "site", "site_code", "function", "location", "description", "anonymous",
            "is_anonymous", "submitter", "status", "outcome", "triaged_at", "action_kind", "action_reference",
            "action_url", "submitted_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "reference", "status", "outcome", "triaged_at", "action_kind", "action_reference", "submitted_at",
            "updated_at",
        ]  # fmt: skip

    def _shows_names(self) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        if not hasattr(request, "_feedback_shows_names"):
            request._feedback_shows_names = user_can_any_site(request.user, PERM_TRIAGE)
        return request._feedback_shows_names

    def get_submitter(self, obj) -> dict | None:
        if obj.submitter_id is None or not self._shows_names():
            return None
        return PersonBriefSerializer(obj.submitter).data

    def get_action_url(self, obj) -> str:
        from ..services import feedback_action_url

        return feedback_action_url(obj)


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=TriageDecision.choices)
    outcome = serializers.CharField(max_length=5000, help_text="What the reporter reads (the reason of a rejection).")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    owner = ScopedRelatedField(
        queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True, default=None,
        help_text="Person id: owner of the action or CAPA.",
    )  # fmt: skip
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class FeedbackStatisticsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    anonymous = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_site = serializers.ListField(child=serializers.DictField())
    by_month = serializers.ListField(child=serializers.DictField())
    response_days = serializers.FloatField(allow_null=True, help_text="Average days from submission to triage.")
    response_days_max = serializers.FloatField(allow_null=True)
    response_days_by_site = serializers.DictField(child=serializers.FloatField(allow_null=True))
