"""REST endpoints for objectives, readings, RACI and read-and-acknowledge tasks: thin adapters.

The base viewset scopes every read (company-level objectives are readable by everybody who may read
objectives at a site), refuses DELETE and offers ``POST …/{id}/deactivate/`` (cancel / void).

Acknowledgement tasks are never written through a generic update: a person opens their own task and signs it
(``policies.distribution``); everything else about a task follows the document's scope. Coverage figures come
from ``policies.coverage``, through ``restrict()`` like the page.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.access.permissions import user_can_any_site
from ims.audit.context import current as current_audit_context
from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.esign.selectors import viewer_timezone
from ims.org.models import Function, Site
from ims.web.api import ScopedModelViewSet, ScopedPermission

from .. import coverage, distribution, services
from ..filtersets import (
    AcknowledgementFilterSet,
    DistributionFilterSet,
    ObjectiveFilterSet,
    ObjectiveReadingFilterSet,
    ResponsibilityFilterSet,
)
from ..models import Acknowledgement, Distribution, Objective, ObjectiveReading, Responsibility
from .serializers import (
    AcknowledgementSerializer,
    AcknowledgeSerializer,
    CoverageSerializer,
    DistributionSerializer,
    ObjectiveReadingSerializer,
    ObjectiveSerializer,
    ResponsibilityBulkResultSerializer,
    ResponsibilityBulkSerializer,
    ResponsibilitySerializer,
)


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


# --- Read-and-acknowledge tasks --------------------------------------------------------------------------------------


OWN_TASK_ACTIONS = {"open", "acknowledge"}
NOT_YOURS = "This task belongs to somebody else."


class AcknowledgementPermission(ScopedPermission):
    """Opening and acknowledging are authorised by the services (one's own open task), not by ``change``."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in OWN_TASK_ACTIONS:
            return True
        return super().has_object_permission(request, view, obj)


@extend_schema_view(
    list=extend_schema(
        summary="List read-and-acknowledge tasks",
        description="The tasks of the sites where you may view acknowledgements (quality managers, compliance "
        "officers, inspectors). Employees see their own under `mine`.",
    ),
    retrieve=extend_schema(
        summary="Show a task", description="A task you may view, or your own; with its signature once acknowledged."
    ),
)
@extend_schema(tags=["acknowledgements"])
class AcknowledgementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks are never created, changed or deleted here: POST …/open/ and …/acknowledge/ are the only writes."""

    queryset = Acknowledgement.objects.select_related(
        "version__document", "person", "site", "function", "signature__content_type"
    )
    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilterSet
    permission_classes = [AcknowledgementPermission]
    ordering_fields = ["due_date", "opened_at", "acknowledged_at", "created_at"]

    def get_queryset(self):
        user = self.request.user
        visible = self.queryset.all().restrict(user, "view")
        if self.action == "list":
            return visible
        # One's own task is one's to read, open and sign, whatever one's role lets one see (as on the page).
        return self.queryset.filter(Q(person_id=user.pk) | Q(pk__in=visible.values("pk")))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None) if self.request is not None else None
        context["tz"] = viewer_timezone(user)
        return context

    def _own_task(self) -> Acknowledgement:
        task = self.get_object()  # 404 unless it is yours or you may view it
        if task.person_id != self.request.user.pk:
            raise exceptions.PermissionDenied(NOT_YOURS)
        return task

    def _answer(self, task: Acknowledgement) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(
        summary="My open tasks",
        description="Your own open tasks of effective versions, earliest due first, whatever your role.",
        filters=False,
        responses={200: AcknowledgementSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        tasks = coverage.my_tasks(person=request.user).select_related(
            "person", "site", "function", "signature__content_type"
        )
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a task's version to read it",
        description="Records the first time you opened the version (acknowledging needs it). Your own tasks only.",
        request=None,
        responses={
            200: AcknowledgementSerializer,
            403: OpenApiResponse(description="The task is somebody else's."),
            404: OpenApiResponse(description="Not your task and not visible to you."),
        },
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        task = distribution.acknowledgement_open(actor=request.user, acknowledgement=self._own_task())
        return self._answer(task)

    @extend_schema(
        summary="Acknowledge a task (e-signed)",
        description='Signs "I have read and understood version N of …" (meaning: acknowledged) with the Part 11 '
        "ceremony: `username` (always with a token) and `password`. 400: missing input; 401: wrong password; "
        "403: not certified, or somebody else's task; 409: not opened yet, no longer open or no longer effective "
        "(`code`: not_read, not_open, not_effective); 423: signing locked. Nothing is signed on a refusal.",
        request=AcknowledgeSerializer,
        responses={
            200: AcknowledgementSerializer,
            400: RefusalSerializer,
            401: RefusalSerializer,
            403: RefusalSerializer,
            404: OpenApiResponse(description="Not your task and not visible to you."),
            409: RefusalSerializer,
            423: RefusalSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        task = self._own_task()
        serializer = AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = sign_through_api(
            request,
            distribution.acknowledgement_sign,
            refused=distribution.AcknowledgementRefused,
            acknowledgement=task,
        )
        if refusal is not None:
            return refusal
        return self._answer(task)


@extend_schema_view(
    list=extend_schema(summary="List distributions", description="Effective versions sent out for reading."),
    retrieve=extend_schema(summary="Show a distribution"),
)
@extend_schema(tags=["acknowledgements"])
class DistributionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Distribution.objects.select_related("version__document")
    serializer_class = DistributionSerializer
    filterset_class = DistributionFilterSet
    ordering_fields = ["created_at", "due_date", "audience_count"]

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view")


COVERAGE_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "site": (("site_id", "site"), ("site__code", "site_code"), ("site__name", "site_name")),
    "function": (("function_id", "function"), ("function__code", "function_code"), ("function__name", "function_name")),
    "document": (
        ("version__document_id", "document"),
        ("version__document__number", "document_number"),
        ("version__document__title", "document_title"),
        ("version__number", "version_number"),
    ),
}
FIGURES = ("total", *coverage.STATE_KEYS, "percent")


class CoverageQuerySerializer(serializers.Serializer):
    document = serializers.IntegerField(required=False, help_text="Controlled document id.")
    site = serializers.CharField(required=False, help_text="Site id or code.")
    function = serializers.CharField(required=False, help_text="Function id or code.")
    group = serializers.ChoiceField(choices=list(COVERAGE_GROUPS), default="site", help_text="Row per …")


class AcknowledgementCoverageApi(APIView):
    """Who has read and acknowledged the effective versions, at the sites where you may view acknowledgements."""

    @extend_schema(
        summary="Acknowledgement coverage",
        description="Totals and one row per site, function or document (`group`), counting the live tasks of "
        "effective versions at your sites: acknowledged, in progress, not started, overdue, % acknowledged. "
        "403 without the permission to view acknowledgements at any site.",
        tags=["acknowledgements"],
        parameters=[
            OpenApiParameter("document", OpenApiTypes.INT, description="Controlled document id."),
            OpenApiParameter("site", OpenApiTypes.STR, description="Site id or code."),
            OpenApiParameter("function", OpenApiTypes.STR, description="Function id or code."),
            OpenApiParameter("group", OpenApiTypes.STR, enum=list(COVERAGE_GROUPS), description="Default: site."),
        ],
        responses={200: CoverageSerializer, 403: OpenApiResponse(description="You may not view coverage.")},
    )
    def get(self, request):
        user = request.user
        if not user_can_any_site(user, "policies.view_acknowledgement"):
            raise exceptions.PermissionDenied("You may not view acknowledgement coverage.")
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        tasks = coverage.coverage_tasks(user=user, document_id=params.get("document"))
        choices = {"site": Site.objects.restrict(user, "view"), "function": Function.objects.all()}
        for name, queryset in choices.items():
            if params.get(name):
                found = _one_by_id_or_code(queryset, params[name])
                if found is None:
                    message = f"No {name} with id or code {params[name]} is visible to you."
                    raise exceptions.ValidationError({name: [message]})
                tasks = tasks.filter(**{name: found})
        fields = COVERAGE_GROUPS[params["group"]]
        rows = [
            {key: row[source] for source, key in fields} | {figure: row[figure] for figure in FIGURES}
            for row in coverage.coverage_grouped(tasks, *(source for source, _key in fields))
        ]
        return Response({"totals": coverage.coverage_totals(tasks), "rows": rows})


def _one_by_id_or_code(queryset, value: str):
    value = value.strip()
    return queryset.filter(Q(pk=int(value)) if value.isdigit() else Q(code__iexact=value)).first()
