"""``/api/v1/risks/…``: the register, controls, obligations and evaluations — thin adapters over the services.

Writes call the same services as the pages; updates need ``change_reason`` and ``If-Match``; records are
retired or withdrawn (``POST …/{id}/deactivate/``), never deleted. Lists hold only the caller's sites; another
site's record answers 404. The filters are the list pages' (``manual.risks.filtersets``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from ims.web.api import ScopedModelViewSet

from .. import obligations, selectors, services
from ..filtersets import ControlFilterSet, EvaluationFilterSet, ObligationFilterSet, RiskEntryFilterSet
from ..models import ComplianceEvaluation, Control
from .serializers import ComplianceEvaluationSerializer, ControlSerializer, ObligationSerializer, RiskEntrySerializer

CHANGE = "`change_reason` is required."


def _views(noun: str, retire: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun}s", description="Those of the sites you may view."),
        retrieve=extend_schema(summary=f"Show a {noun}"),
        create=extend_schema(summary=f"Add a {noun}"),
        update=extend_schema(summary=f"Replace a {noun}", description=CHANGE),
        partial_update=extend_schema(summary=f"Change a {noun}", description=CHANGE),
        deactivate=extend_schema(summary=f"{retire} a {noun}", request=None, description=f"Kept; {CHANGE}"),
    )


@_views("register entry", "Retire")
@extend_schema(tags=["risks"])
class RiskEntryViewSet(ScopedModelViewSet):
    queryset = selectors.entry_queryset()
    serializer_class = RiskEntrySerializer
    filterset_class = RiskEntryFilterSet
    ordering_fields = ["reference", "residual_score", "inherent_score", "review_date", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.entry_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("reference", None)
        serializer.instance = services.entry_update(actor=self.request.user, entry=serializer.instance, data=data)

    def perform_deactivate(self, obj):
        services.entry_retire(actor=self.request.user, entry=obj)


@_views("control", "Retire")
@extend_schema(tags=["risks"])
class ControlViewSet(ScopedModelViewSet):
    queryset = Control.objects.select_related("entry")
    serializer_class = ControlSerializer
    filterset_class = ControlFilterSet
    ordering_fields = ["created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.control_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "entry"}
        serializer.instance = services.control_update(actor=self.request.user, control=serializer.instance, data=data)

    def perform_deactivate(self, obj):
        services.control_retire(actor=self.request.user, control=obj)


@_views("obligation", "Withdraw")
@extend_schema(tags=["risks"])
class ObligationViewSet(ScopedModelViewSet):
    queryset = selectors.obligation_queryset()
    serializer_class = ObligationSerializer
    filterset_class = ObligationFilterSet
    ordering_fields = ["title", "next_evaluation", "updated_at"]

    def get_queryset(self):
        return selectors.with_last_evaluation(super().get_queryset(), user=self.request.user)

    def perform_create(self, serializer):
        obligation = obligations.obligation_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=obligation.pk)

    def perform_update(self, serializer):
        obligation = obligations.obligation_update(
            actor=self.request.user, obligation=serializer.instance, data=dict(serializer.validated_data)
        )
        serializer.instance = self.get_queryset().get(pk=obligation.pk)

    def perform_deactivate(self, obj):
        obligations.obligation_withdraw(actor=self.request.user, obligation=obj)


@extend_schema_view(
    list=extend_schema(summary="List compliance evaluations", description="Those of the sites you may view."),
    retrieve=extend_schema(summary="Show a compliance evaluation"),
    create=extend_schema(
        summary="Record a compliance evaluation", description="The obligation's next evaluation follows."
    ),
    update=extend_schema(summary="Correct an evaluation", description=CHANGE),
    partial_update=extend_schema(summary="Correct an evaluation", description=CHANGE),
    deactivate=extend_schema(exclude=True),
)
@extend_schema(tags=["risks"])
class ComplianceEvaluationViewSet(ScopedModelViewSet):
    queryset = ComplianceEvaluation.objects.select_related("obligation", "site", "evaluated_by")
    serializer_class = ComplianceEvaluationSerializer
    filterset_class = EvaluationFilterSet
    ordering_fields = ["evaluated_on", "next_evaluation"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = obligations.evaluation_record(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in obligations.EVALUATION_FIELDS}
        serializer.instance = obligations.evaluation_update(
            actor=self.request.user, evaluation=serializer.instance, data=data
        )

    def perform_deactivate(self, obj):
        from rest_framework.exceptions import MethodNotAllowed

        raise MethodNotAllowed("POST", detail="An evaluation is kept as recorded; correct it or record a new one.")
