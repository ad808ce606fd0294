"""``/api/v1/framework/…``: procedure records, the monitoring plan, the procedure × clause matrix and drafting an
integrated procedure from a requirement group. Thin adapters over the framework's services and selectors.

Records and plan items are created, changed (``change_reason`` and ``If-Match``) and retired
(``POST …/{id}/deactivate/`` with a reason), never deleted; another site's row answers 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.web.api import ScopedModelViewSet
from processes.models import DocumentClause

from .. import services
from ..drafting import integrated_procedure_draft
from ..filtersets import MonitoringPlanFilterSet, ProcedureRecordFilterSet
from ..matrix import matrix_compute
from ..models import ProcedureRecord
from ..selectors import monitoring_item_queryset
from .serializers import (
    MonitoringPlanItemSerializer,
    ProcedureDraftResultSerializer,
    ProcedureDraftSerializer,
    ProcedureMatrixQuerySerializer,
    ProcedureMatrixSerializer,
    ProcedureRecordSerializer,
)

TAGS = ["framework"]


def _as_api_error(error: ValidationError):
    return exceptions.ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


@extend_schema_view(
    list=extend_schema(summary="List procedure records", description="The records procedures produce, at your sites."),
    retrieve=extend_schema(summary="Show a procedure record"),
    create=extend_schema(summary="Declare a record a procedure produces"),
    update=extend_schema(summary="Replace a procedure record", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change a procedure record", description="`change_reason` is required."),
    deactivate=extend_schema(summary="Retire a procedure record", request=None,
                             description="Kept, retired; `change_reason` is required.",
                             responses={200: ProcedureRecordSerializer}),
)  # fmt: skip
@extend_schema(tags=TAGS)
class ProcedureRecordViewSet(ScopedModelViewSet):
    queryset = ProcedureRecord.objects.select_related("document", "form_document")
    serializer_class = ProcedureRecordSerializer
    filterset_class = ProcedureRecordFilterSet
    ordering_fields = ["name", "created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.procedure_record_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.procedure_record_update(
            actor=self.request.user, record=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_deactivate(self, obj):
        services.procedure_record_retire(actor=self.request.user, record=obj)


@extend_schema_view(
    list=extend_schema(summary="List the monitoring plan",
                       description="What is measured per process, how, how often, by whom, reported where."),
    retrieve=extend_schema(summary="Show a monitoring-plan item"),
    create=extend_schema(summary="Add an item to a process's monitoring plan"),
    update=extend_schema(summary="Replace a monitoring-plan item", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change a monitoring-plan item", description="`change_reason` is required."),
    deactivate=extend_schema(summary="Retire a monitoring-plan item", request=None,
                             description="Kept, retired; `change_reason` is required.",
                             responses={200: MonitoringPlanItemSerializer}),
)  # fmt: skip
@extend_schema(tags=TAGS)
class MonitoringPlanItemViewSet(ScopedModelViewSet):
    queryset = monitoring_item_queryset()
    serializer_class = MonitoringPlanItemSerializer
    filterset_class = MonitoringPlanFilterSet
    ordering_fields = ["measure", "frequency", "created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.monitoring_item_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.monitoring_item_update(
            actor=self.request.user, item=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_deactivate(self, obj):
        services.monitoring_item_retire(actor=self.request.user, item=obj)


class MatrixApi(APIView):
    @extend_schema(
        summary="Procedure × clause matrix",
        description="The clauses of the chosen standards (default: current ISO 9001/14001/45001; at most six), the "
        "procedures you may see that fulfil each (`procedures`: linked to the clause, `covering`: also through "
        "a parent clause), the flags (no procedure, several procedures) and the procedures with no clause.",
        tags=TAGS,
        parameters=[
            OpenApiParameter("standards", int, many=True, required=False, description="Standard ids (repeat)."),
            OpenApiParameter("site", str, required=False, description="Site id or code."),
            OpenApiParameter("discipline", str, required=False, enum=["quality", "environment", "ohs"]),
        ],
        responses={200: ProcedureMatrixSerializer},
    )
    def get(self, request):
        params = {"standards": request.query_params.getlist("standards")}
        for name in ("site", "discipline"):
            if request.query_params.get(name):
                params[name] = request.query_params[name]
        query = ProcedureMatrixQuerySerializer(data=params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matrix = matrix_compute(
            user=request.user,
            standards=data.get("standards") or None,
            site=data.get("site"),
            discipline=data.get("discipline") or None,
        )
        return Response(ProcedureMatrixSerializer(matrix).data)


class ProcedureDraftApi(APIView):
    @extend_schema(
        summary="Draft an integrated procedure from a requirement group",
        description="Creates a controlled document of type procedure (a draft) for the requirement group that holds "
        "`clause` among `standards`: the group's disciplines, a skeleton body, and a link to every clause of the "
        "group. You need the right to add documents at every site named.",
        tags=TAGS,
        request=ProcedureDraftSerializer,
        responses={201: ProcedureDraftResultSerializer},
    )
    def post(self, request):
        serializer = ProcedureDraftSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            document = integrated_procedure_draft(
                actor=request.user,
                standards=data.get("standards") or _default_standards(),
                clause=data["clause"],
                number=data["number"],
                title=data["title"],
                sites=data["sites"],
            )
        except ValidationError as error:
            raise _as_api_error(error) from error
        clauses = list(
            DocumentClause.objects.filter(document=document, is_active=True)
            .order_by("clause_id")
            .values_list("clause_id", flat=True)
        )
        result = {"id": document.pk, "number": document.number, "title": document.title,
                  "disciplines": document.disciplines, "clauses": clauses}  # fmt: skip
        return Response(ProcedureDraftResultSerializer(result).data, status=status.HTTP_201_CREATED)


def _default_standards():
    from processes.overlap import default_standards

    return default_standards()


__all__ = ["MatrixApi", "MonitoringPlanItemViewSet", "ProcedureDraftApi", "ProcedureRecordViewSet"]
