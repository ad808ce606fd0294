"""``/api/v1/actions/``: tracked actions (raised from their source records; read, change with a reason, cancel)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers

from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Person
from ims.web.api import ScopedModelViewSet

from . import services
from .models import Action
from .views import ActionFilterSet


class ActionSerializer(StrictSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    owner_detail = PersonBriefSerializer(source="owner", read_only=True, allow_null=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source_type = serializers.SlugRelatedField(slug_field="model", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "reference",
            "site",
            "title",
            "description",
            "owner",
            "owner_detail",
            "due_date",
            "status",
            "source_type",
            "source_id",
            "source_label",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["reference", "source_id", "source_label", "closed_at", "created_at", "updated_at"]


class ActionViewSet(ScopedModelViewSet):
    """Actions are raised from their source (a gap, a finding); here they are read, changed and cancelled."""

    queryset = Action.objects.select_related("site", "owner", "source_type").order_by("-created_at", "-pk")
    serializer_class = ActionSerializer
    filterset_class = ActionFilterSet

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail="Actions are raised from the record they come from.")

    def perform_update(self, serializer):
        serializer.instance = services.action_update(
            actor=self.request.user, action=serializer.instance, changes=serializer.validated_data
        )

    def perform_deactivate(self, obj) -> None:
        services.action_cancel(actor=self.request.user, action=obj)
