"""``/api/v1/implementation/…``: rollout plans, phases, tasks, criteria, live criterion values, the go-live gate and
waivers. Thin adapters over ``implementation.services`` (the same services as the pages).

Lists and details hold the caller's sites only (another site's record answers 404); updates need a reason for change
(``change_reason``) and ``If-Match``; nothing is deleted (``POST …/{id}/deactivate/``); the go-live and a waiver are
electronic signatures (user ID and password in the body), like the signing pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.web.api import ScopedModelViewSet

from .. import selectors, services
from ..models import Phase, PlanCriterion, RolloutPlan, Task
from .serializers import (
    GoLiveSignSerializer,
    PhaseSerializer,
    PlanCriterionSerializer,
    ReadinessSerializer,
    RolloutPlanSerializer,
    TaskSerializer,
    WaiverSignSerializer,
)

TAGS = ["implementation"]
SIGN_RESPONSES = {
    401: OpenApiResponse(RefusalSerializer, description="Wrong credentials; nothing signed."),
    403: OpenApiResponse(description="Not yours to sign (site QM for the go-live, Global Admin for a waiver)."),
    409: OpenApiResponse(RefusalSerializer, description="Refused (e.g. a mandatory criterion fails); nothing signed."),
    423: OpenApiResponse(RefusalSerializer, description="Signing locked."),
}


def _fixed(serializer, *names: str) -> None:
    for name in names:
        if name in serializer.validated_data and serializer.validated_data[name] != getattr(serializer.instance, name):
            raise exceptions.ValidationError({name: ["Fixed once created."]})


@extend_schema_view(
    list=extend_schema(summary="List rollout plans", description="The plans of the sites you may view."),
    retrieve=extend_schema(summary="Show a rollout plan"),
    create=extend_schema(
        summary="Start a rollout plan", description="One active plan per site; the six IMS steps become its phases "
        "and every registered readiness criterion its criteria."
    ),
    update=extend_schema(summary="Replace a rollout plan", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change a rollout plan", description="`change_reason` is required."),
    deactivate=extend_schema(summary="Retire a rollout plan", request=None, responses={200: RolloutPlanSerializer},
                             description="Kept, inactive; not a live one. `change_reason` is required."),
)  # fmt: skip
@extend_schema(tags=TAGS)
class RolloutPlanViewSet(ScopedModelViewSet):
    queryset = RolloutPlan.objects.select_related("site", "owner").order_by("site__code", "-created_at")
    serializer_class = RolloutPlanSerializer

    def _fresh(self, plan):
        return self.queryset.all().get(pk=plan.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("status", None)
        plan = services.plan_create(actor=self.request.user, **data)
        serializer.instance = self._fresh(plan)

    def perform_update(self, serializer):
        plan = services.plan_update(actor=self.request.user, plan=serializer.instance, data=serializer.validated_data)
        serializer.instance = self._fresh(plan)

    def perform_deactivate(self, obj):
        services.plan_retire(actor=self.request.user, plan=obj)

    @extend_schema(summary="Live readiness of a plan", description="Every criterion with its live value (computed "
                   "from the product's data, or the manual flag), whether it passes and whether a waiver covers it.",
                   responses=ReadinessSerializer)  # fmt: skip
    @action(detail=True, methods=["get"])
    def readiness(self, request, pk=None):
        return Response(ReadinessSerializer(selectors.plan_readiness(self.get_object())).data)

    @extend_schema(
        summary="Sign the go-live gate",
        description="The site quality manager signs \u201capproved\u201d; refused (409, `not_ready`) while a "
        "mandatory criterion fails without a Global Admin's waiver. User ID and password in the body.",
        request=GoLiveSignSerializer,
        responses={200: RolloutPlanSerializer, **SIGN_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request, pk=None):
        plan = self.get_object()
        GoLiveSignSerializer(data=request.data).is_valid(raise_exception=True)
        refusal = sign_through_api(
            request,
            services.go_live_sign,
            refused=ValidationError,
            plan=plan,
            reason=request.data.get("reason", "") if hasattr(request.data, "get") else "",
        )
        if refusal is not None:
            return refusal
        return Response(RolloutPlanSerializer(self._fresh(plan), context={"request": request}).data)


class _PartViewSet(ScopedModelViewSet):
    """A phase, task or criterion: created on a plan the caller may change, changed, deactivated."""

    def perform_deactivate(self, obj):
        services.part_deactivate(actor=self.request.user, part=obj)


@extend_schema_view(
    list=extend_schema(summary="List phases"), retrieve=extend_schema(summary="Show a phase"),
    create=extend_schema(summary="Add a phase to a plan"), update=extend_schema(summary="Replace a phase"),
    partial_update=extend_schema(summary="Rename or reorder a phase"),
    deactivate=extend_schema(summary="Deactivate a phase", request=None, responses={200: PhaseSerializer}),
)  # fmt: skip
@extend_schema(tags=TAGS)
class PhaseViewSet(_PartViewSet):
    queryset = Phase.objects.order_by("plan_id", "position", "pk")
    serializer_class = PhaseSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.phase_save(actor=self.request.user, plan=data["plan"], name=data["name"],
                                                  step=data.get("step"), position=data.get("position"))  # fmt: skip

    def perform_update(self, serializer):
        _fixed(serializer, "plan")
        phase = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.phase_save(
            actor=self.request.user, plan=phase.plan, phase=phase, name=data.get("name", phase.name),
            step=data.get("step", phase.step), position=data.get("position"),
        )  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="List tasks"), retrieve=extend_schema(summary="Show a task"),
    create=extend_schema(summary="Add a task to a plan"), update=extend_schema(summary="Replace a task"),
    partial_update=extend_schema(summary="Change a task (status, evidence, dates, dependencies)"),
    deactivate=extend_schema(summary="Deactivate a task", request=None, responses={200: TaskSerializer}),
)  # fmt: skip
@extend_schema(tags=TAGS)
class TaskViewSet(_PartViewSet):
    queryset = Task.objects.select_related("owner").prefetch_related("depends_on").order_by("plan_id", "due_date", "pk")
    serializer_class = TaskSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        task = services.task_save(actor=self.request.user, plan=plan, data=data)
        serializer.instance = self.queryset.all().get(pk=task.pk)

    def perform_update(self, serializer):
        _fixed(serializer, "plan")
        data = {k: v for k, v in serializer.validated_data.items() if k != "plan"}
        task = services.task_save(actor=self.request.user, plan=serializer.instance.plan, task=serializer.instance,
                                  data=data)  # fmt: skip
        serializer.instance = self.queryset.all().get(pk=task.pk)


@extend_schema_view(
    list=extend_schema(summary="List readiness criteria", description="Definitions; live values: "
                       "`GET /plans/{id}/readiness/`."),
    retrieve=extend_schema(summary="Show a readiness criterion"),
    create=extend_schema(summary="Add a criterion", description="A registered `key` or a manual `description`."),
    update=extend_schema(summary="Replace a criterion"),
    partial_update=extend_schema(summary="Change a criterion", description="Threshold, mandatory flag; a manual "
                                 "criterion is marked `met` with its `evidence`. `change_reason` is required."),
    deactivate=extend_schema(summary="Deactivate a criterion", request=None,
                             responses={200: PlanCriterionSerializer}),
)  # fmt: skip
@extend_schema(tags=TAGS)
class PlanCriterionViewSet(_PartViewSet):
    queryset = PlanCriterion.objects.select_related("met_by").order_by("plan_id", "step", "pk")
    serializer_class = PlanCriterionSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("met"):
            raise exceptions.ValidationError({"met": ["Add the criterion first, then mark it met with evidence."]})
        serializer.instance = services.criterion_add(
            actor=self.request.user, plan=data["plan"], key=data.get("key", ""),
            description=data.get("description", ""), step=data.get("step"), threshold=data.get("threshold"),
            mandatory=data.get("mandatory", True),
        )  # fmt: skip

    def perform_update(self, serializer):
        _fixed(serializer, "plan", "key")
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("plan", "key")}
        serializer.instance = services.criterion_update(actor=self.request.user, criterion=serializer.instance,
                                                        data=data)  # fmt: skip

    @extend_schema(
        summary="Waive a mandatory criterion",
        description="A Global Admin signs \u201capproved\u201d with a justification: the site may go live although "
        "the criterion is not met.",
        request=WaiverSignSerializer,
        responses={200: PlanCriterionSerializer, **SIGN_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        criterion = self.get_object()
        body = WaiverSignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refusal = sign_through_api(request, services.waiver_sign, refused=ValidationError, criterion=criterion,
                                   justification=body.validated_data["justification"],
                                   reason=body.validated_data.get("reason", ""))  # fmt: skip
        if refusal is not None:
            return refusal
        return Response(PlanCriterionSerializer(criterion, context={"request": request}).data)


def routes(router) -> None:
    router.register("plans", RolloutPlanViewSet, basename="implementation-plan")
    router.register("phases", PhaseViewSet, basename="implementation-phase")
    router.register("tasks", TaskViewSet, basename="implementation-task")
    router.register("criteria", PlanCriterionViewSet, basename="implementation-criterion")
