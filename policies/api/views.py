"""REST endpoints for objectives and readings: thin adapters around ``policies.services``.

The base viewset scopes every read (company-level objectives are readable by everybody who may read
objectives at a site), refuses DELETE and offers ``POST …/{id}/deactivate/`` (cancel / void).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.audit.context import current as current_audit_context
from ims.web.api import ScopedModelViewSet

from .. import services
from ..filtersets import ObjectiveFilterSet, ObjectiveReadingFilterSet, ResponsibilityFilterSet
from ..models import Objective, ObjectiveReading, Responsibility
from .serializers import (
    ObjectiveReadingSerializer,
    ObjectiveSerializer,
    ResponsibilityBulkResultSerializer,
    ResponsibilityBulkSerializer,
    ResponsibilitySerializer,
)

NEVER_DELETED = extend_schema(exclude=True)


@extend_schema_view(
    list=extend_schema(
        summary="List objectives",
        description="Company-wide objectives and those of the sites you may view, with health.",
    ),
    retrieve=extend_schema(summary="Show an objective"),
    create=extend_schema(
        summary="Create an objective", description="A function objective needs a site; a parent sits one level up."
    ),
    update=extend_schema(summary="Replace an objective"),
    partial_update=extend_schema(
        summary="Update an objective", description="`status` follows draft → active → achieved / not achieved."
    ),
    destroy=NEVER_DELETED,
    deactivate=extend_schema(
        summary="Cancel an objective",
        request=None,
        description="The objective is kept, cancelled; open sub-objectives block it.",
        responses={200: ObjectiveSerializer, 403: OpenApiResponse(description="You may not cancel it.")},
    ),
)
@extend_schema(tags=["objectives"])
class ObjectiveViewSet(ScopedModelViewSet):
    queryset = Objective.objects.select_related("site", "function").with_latest_reading()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    ordering_fields = ["title", "due_date", "status", "created_at", "updated_at"]

    def _fresh(self, objective: Objective) -> Objective:
        return self.get_queryset().get(pk=objective.pk)

    def perform_create(self, serializer):
        objective = services.objective_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(objective)

    def perform_update(self, serializer):
        objective = services.objective_update(
            actor=self.request.user, objective=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self._fresh(objective)

    def perform_deactivate(self, obj):
        services.objective_cancel(actor=self.request.user, objective=obj)


@extend_schema_view(
    list=extend_schema(summary="List objective readings"),
    retrieve=extend_schema(summary="Show an objective reading"),
    create=extend_schema(summary="Record a reading", description="One valid reading per objective and period."),
    update=extend_schema(summary="Correct a reading"),
    partial_update=extend_schema(summary="Correct a reading"),
    destroy=NEVER_DELETED,
    deactivate=extend_schema(
        summary="Void a reading",
        request=None,
        description="The reading is kept, voided, and no longer counts for health.",
        responses={200: ObjectiveReadingSerializer},
    ),
)
@extend_schema(tags=["objectives"])
class ObjectiveReadingViewSet(ScopedModelViewSet):
    queryset = ObjectiveReading.objects.all()
    serializer_class = ObjectiveReadingSerializer
    filterset_class = ObjectiveReadingFilterSet
    ordering_fields = ["period_end", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.reading_record(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("objective") == serializer.instance.objective:
            data.pop("objective")
        serializer.instance = services.reading_update(actor=self.request.user, reading=serializer.instance, data=data)

    def perform_deactivate(self, obj):
        services.reading_void(actor=self.request.user, reading=obj)


@extend_schema_view(
    list=extend_schema(
        summary="List RACI cells",
        description="Cells of the RACI matrix for documents at your sites; filter by document, role, site, "
        "assignment. Cleared cells are kept with a blank assignment.",
    ),
    retrieve=extend_schema(summary="Show a RACI cell"),
    create=extend_schema(exclude=True),
    update=extend_schema(exclude=True),
    partial_update=extend_schema(exclude=True),
    destroy=NEVER_DELETED,
    deactivate=extend_schema(
        summary="Clear a RACI cell",
        request=None,
        description="Sets the assignment to blank; the row and its history are kept.",
        responses={200: ResponsibilitySerializer},
    ),
)
@extend_schema(tags=["responsibilities"])
class ResponsibilityViewSet(ScopedModelViewSet):
    """Reads of the matrix; every change goes through ``POST …/bulk/`` (one service, one transaction)."""

    queryset = Responsibility.objects.select_related("document", "role")
    serializer_class = ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet
    ordering_fields = ["updated_at", "assignment"]
    http_method_names = ["get", "post", "head", "options", "delete"]

    def create(self, request, *args, **kwargs):
        return Response(
            {"detail": "Change the matrix with POST …/responsibilities/bulk/."},
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
        )

    def perform_deactivate(self, obj):
        services.responsibilities_save(
            actor=self.request.user,
            changes=[services.CellChange(document_id=obj.document_id, role_id=obj.role_id, assignment="")],
            reason=current_audit_context().get("reason", ""),
        )

    @extend_schema(
        summary="Save cells of the RACI matrix",
        description="Applies all changes in one transaction, or none: unknown documents or roles, documents "
        "outside your sites, or a document left with two Accountable roles are refused (400). Only cells whose "
        "value differs are written.",
        request=ResponsibilityBulkSerializer,
        responses={200: ResponsibilityBulkResultSerializer, 400: OpenApiResponse(description="Nothing was saved.")},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        serializer = ResponsibilityBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        written = services.responsibilities_save(
            actor=request.user,
            changes=[
                services.CellChange(document_id=c["document"], role_id=c["role"], assignment=c["assignment"])
                for c in data["changes"]
            ],
            reason=data["change_reason"],
        )
        fresh = self.get_queryset().filter(pk__in=[r.pk for r in written])
        return Response({"saved": ResponsibilitySerializer(fresh, many=True).data})
