"""``GET /api/v1/audit/events/``: the audit trail, read-only, with the trail page's filters and scope."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from ims.web.api_policy import ScopedPermission

from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .selectors import TRAIL_LABEL, inspector_read_log, trail_readable_by, utc_iso


class TrailPermission(permissions.BasePermission):
    message = "You may not read the audit trail."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS and trail_readable_by(user=request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    occurred_at = serializers.SerializerMethodField(help_text="ISO-8601, UTC")
    record_type = serializers.CharField(source="model_label")
    record_id = serializers.CharField(source="object_pk")
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "record_type",
            "record_id",
            "action",
            "actor",
            "actor_id",
            "token_id",
            "channel",
            "reason",
            "request_id",
            "client_ip",
            "site_ids",
            "changed_fields",
            "old",
            "new",
        ]
        read_only_fields = fields

    def get_occurred_at(self, obj) -> str:
        return utc_iso(obj.occurred_at)


@extend_schema_view(
    list=extend_schema(summary="List audit events", description="Newest first; the events of your sites' records."),
    retrieve=extend_schema(summary="Show an audit event"),
)
@extend_schema(tags=["audit"])
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    permission_classes = [ScopedPermission, TrailPermission]
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return self.queryset.restrict(self.request.user).order_by("-id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        filters = {k: v for k, v in request.query_params.items() if k in AuditEventFilterSet.base_filters}
        inspector_read_log(
            user=request.user,
            label=TRAIL_LABEL,
            pk="trail",
            detail={"view": "api", "filters": filters, "page": request.query_params.get("page", "1")},
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        inspector_read_log(user=request.user, label=TRAIL_LABEL, pk=kwargs.get("pk", ""), detail={"view": "api"})
        return response
