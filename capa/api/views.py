"""API of CAPA (``/api/v1/capa/…``): CAPAs, their actions and effectiveness checks, the workflow's transitions
(each a POST; signatures as on the pages: user ID and password in the body, channel API) and the trends. Thin
adapters over ``capa.services``; another site's record answers 404; nothing is ever deleted (405)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.audit.context import audit_context
from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.web.api import ScopedModelViewSet

from .. import services, trends
from ..filtersets import CapaActionFilterSet, CapaFilterSet, EffectivenessCheckFilterSet
from ..models import Capa, CapaAction, EffectivenessCheck
from .serializers import (
    CapaActionSerializer,
    CapaCheckPlanSerializer,
    CapaCompleteSerializer,
    CapaRcaSerializer,
    CapaReasonSerializer,
    CapaReopenSerializer,
    CapaRetrainingSerializer,
    CapaSerializer,
    CapaSignSerializer,
    CapaTrendRowSerializer,
    EffectivenessCheckSerializer,
)

TAGS = ["capa"]
REFUSED = {
    200: CapaSerializer,
    400: OpenApiResponse(description="Bad input; nothing changed."),
    403: OpenApiResponse(description="Not permitted at the CAPA's site."),
    409: OpenApiResponse(RefusalSerializer, description="Not allowed in the CAPA's state; nothing changed."),
}
SIGNED = {
    **REFUSED,
    401: OpenApiResponse(RefusalSerializer, description="Wrong credentials; nothing signed."),
    423: OpenApiResponse(RefusalSerializer, description="Signing locked."),
}


def _refusal(error: ValidationError) -> Response:
    if isinstance(error, services.CapaRefused):
        return Response({"code": error.code or "not_allowed", "detail": " ".join(error.messages)}, status=409)
    raise exceptions.ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


@extend_schema_view(
    list=extend_schema(summary="List CAPAs", description="CAPAs of the sites you may view."),
    retrieve=extend_schema(summary="Show a CAPA"),
    create=extend_schema(summary="Open a CAPA", description="The owner must have access to the site."),
    update=extend_schema(summary="Replace the description of a CAPA"),
    partial_update=extend_schema(
        summary="Change the description, impact, risk or containment of a CAPA", description="Until it is closed."
    ),
    deactivate=extend_schema(exclude=True),
)
@extend_schema(tags=TAGS)
class CapaViewSet(ScopedModelViewSet):
    queryset = Capa.objects.select_related("site", "owner").order_by("-opened_at", "-pk")
    serializer_class = CapaSerializer
    filterset_class = CapaFilterSet

    #: Steps the CAPA's owner takes without the site's change permission (the service decides).
    OWNER_STEPS = ("investigate", "rca", "implement")

    def get_object(self):
        if self.action in self.OWNER_STEPS:
            return get_object_or_404(self.filter_queryset(self.get_queryset()), pk=self.kwargs["pk"])
        return super().get_object()

    def _fresh(self, capa) -> dict:
        return CapaSerializer(self.queryset.all().get(pk=capa.pk), context={"request": self.request}).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            capa = services.capa_create(actor=self.request.user, **data)
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        serializer.instance = self.queryset.all().get(pk=capa.pk)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        for fixed in ("site", "source", "source_label"):
            if fixed in changes and changes[fixed] != getattr(serializer.instance, fixed):
                raise exceptions.ValidationError({fixed: ["Fixed once the CAPA is opened."]})
        changes = {k: v for k, v in changes.items() if k in services.DESCRIPTION_FIELDS}
        try:
            capa = services.capa_update(actor=self.request.user, capa=serializer.instance, changes=changes)
        except services.CapaRefused as error:
            raise exceptions.ValidationError({"state": error.messages}) from error
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        serializer.instance = self.queryset.all().get(pk=capa.pk)

    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A CAPA is never deactivated; it is closed or reopened.")

    def _run(self, request, service, body_class=CapaReasonSerializer, **extra):
        capa = self.get_object()
        body = body_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        reason = data.pop("reason", "") if body_class is not CapaReopenSerializer else data.get("reason", "")
        try:
            with audit_context(reason=reason or None):
                service(actor=request.user, capa=capa, **data, **extra)
        except ValidationError as error:
            return _refusal(error)
        return Response(self._fresh(capa))

    @extend_schema(
        summary="Start the investigation (open → investigation)", request=CapaReasonSerializer, responses=REFUSED
    )
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        return self._run(request, services.capa_investigate)

    @extend_schema(
        summary="Record the root-cause analysis",
        description="5 Whys in order, fishbone causes by category, the root cause and its category.",
        request=CapaRcaSerializer,
        responses=REFUSED,
    )
    @action(detail=True, methods=["post"])
    def rca(self, request, pk=None):
        return self._run(request, services.capa_rca_record, CapaRcaSerializer)

    @extend_schema(
        summary="Approve the action plan with an electronic signature (investigation → plan approved)",
        description="Signed “approved” by someone other than the owner holding approve at the site.",
        request=CapaSignSerializer,
        responses=SIGNED,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._sign(request, services.capa_plan_approve)

    @extend_schema(
        summary="Start implementation (plan approved → implementation)", request=CapaReasonSerializer, responses=REFUSED
    )
    @action(detail=True, methods=["post"])
    def implement(self, request, pk=None):
        return self._run(request, services.capa_implement)

    @extend_schema(
        summary="Plan the effectiveness check (implementation → effectiveness check)",
        description="A measurable criterion is required: `kpi` (objective, window, due date) or `no_recurrence` "
        "(months).",
        request=CapaCheckPlanSerializer,
        responses=REFUSED,
    )
    @action(detail=True, methods=["post"])
    def effectiveness(self, request, pk=None):
        return self._run(request, services.capa_effectiveness_plan, CapaCheckPlanSerializer)

    @extend_schema(
        summary="Verify and close with an electronic signature (effectiveness check → closed)",
        description="Refused (409, `closure_gate`) while an action is not done or lacks evidence, or the check has "
        "not passed.",
        request=CapaSignSerializer,
        responses=SIGNED,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._sign(request, services.capa_close)

    @extend_schema(summary="Reopen to investigation or implementation", request=CapaReopenSerializer, responses=REFUSED)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._run(request, services.capa_reopen, CapaReopenSerializer)

    @extend_schema(
        summary="Raise retraining (root cause of category training)",
        request=CapaRetrainingSerializer,
        responses={**REFUSED, 200: CapaActionSerializer},
    )
    @action(detail=True, methods=["post"])
    def retraining(self, request, pk=None):
        capa = self.get_object()
        body = CapaRetrainingSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            action_row = services.capa_retraining_raise(actor=request.user, capa=capa, **body.validated_data)
        except ValidationError as error:
            return _refusal(error)
        return Response(CapaActionSerializer(action_row, context={"request": request}).data)

    def _sign(self, request, service):
        capa = self.get_object()
        CapaSignSerializer(data=request.data).is_valid(raise_exception=True)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        refusal = sign_through_api(request, service, refused=ValidationError, capa=capa, reason=reason)
        if refusal is not None:
            return refusal
        return Response(self._fresh(capa))


@extend_schema_view(
    list=extend_schema(summary="List CAPA actions"),
    retrieve=extend_schema(summary="Show a CAPA action"),
    create=extend_schema(
        summary="Plan a correction, corrective or preventive action",
        description="The owner must have access to the CAPA's site.",
    ),
    deactivate=extend_schema(exclude=True),
)
@extend_schema(tags=TAGS)
class CapaActionViewSet(ScopedModelViewSet):
    queryset = CapaAction.objects.select_related("capa").order_by("capa", "due_date", "pk")
    serializer_class = CapaActionSerializer
    filterset_class = CapaActionFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            created = services.capa_action_add(actor=self.request.user, **data)
        except services.CapaRefused as error:
            raise exceptions.ValidationError({"capa": error.messages}) from error
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        serializer.instance = created

    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="An action is done, never deactivated.")

    @extend_schema(
        summary="Mark an action done with its evidence",
        description="A note, a file (multipart), or both; by the action's owner or whoever may change actions.",
        request={"multipart/form-data": CapaCompleteSerializer, "application/json": CapaCompleteSerializer},
        responses={
            200: CapaActionSerializer,
            400: OpenApiResponse(description="No evidence; nothing changed."),
            409: OpenApiResponse(RefusalSerializer),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def complete(self, request, pk=None):
        row = self.get_object()
        body = CapaCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            with audit_context(reason=data.pop("reason", "") or None):
                done = services.capa_action_complete(actor=request.user, action=row, **data)
        except ValidationError as error:
            return _refusal(error)
        return Response(CapaActionSerializer(done, context={"request": request}).data)

    def get_object(self):
        if self.action == "complete":
            # The owner of an action completes it without the site's change permission (the service decides).
            return get_object_or_404(self.filter_queryset(self.get_queryset()), pk=self.kwargs["pk"])
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="List effectiveness checks"),
    retrieve=extend_schema(summary="Show an effectiveness check"),
    deactivate=extend_schema(exclude=True),
)
@extend_schema(tags=TAGS)
class EffectivenessCheckViewSet(ScopedModelViewSet):
    queryset = EffectivenessCheck.objects.select_related("capa").order_by("-due_date", "-pk")
    serializer_class = EffectivenessCheckSerializer
    filterset_class = EffectivenessCheckFilterSet
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail="Checks are planned through POST …/capas/{id}/effectiveness/.")

    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A check is evaluated, never deactivated.")


class TrendsApi(APIView):
    @extend_schema(
        summary="CAPA trend metrics",
        description="Cycle time, on-time % of actions, effectiveness pass rate (by quarter) and open CAPAs by age "
        "per site, over the CAPAs you may view.",
        tags=TAGS,
        parameters=[OpenApiParameter("site", int, required=False)],
        responses={200: CapaTrendRowSerializer(many=True)},
    )
    def get(self, request):
        site = request.query_params.get("site", "")
        data = trends.capa_trends(user=request.user, site_id=int(site) if site.isdigit() else None)
        rows = []
        for r in data.cycle:
            rows.append(
                {
                    "metric": "cycle_time_median_days",
                    "period_or_site": r["quarter"],
                    "count": r["closed"],
                    "value": r["median_days"],
                }
            )
            rows.append(
                {
                    "metric": "cycle_time_mean_days",
                    "period_or_site": r["quarter"],
                    "count": r["closed"],
                    "value": r["mean_days"],
                }
            )
        for r in data.on_time:
            rows.append(
                {
                    "metric": "actions_on_time_percent",
                    "period_or_site": r["quarter"],
                    "count": r["done"],
                    "value": r["percent"],
                }
            )
        for r in data.effectiveness:
            rows.append(
                {
                    "metric": "effectiveness_pass_percent",
                    "period_or_site": r["quarter"],
                    "count": r["evaluated"],
                    "value": r["percent"],
                }
            )
        for r in data.ages:
            for label, count in zip(trends.AGE_BUCKETS, r["buckets"], strict=True):
                rows.append({"metric": f"open_age_{label}", "period_or_site": r["site"], "count": count, "value": None})
        return Response(CapaTrendRowSerializer(rows, many=True).data)
