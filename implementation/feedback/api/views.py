"""``/api/v1/feedback/items/``: employee feedback, thin adapters over ``implementation.feedback.services``.

Any employee reports at their own sites (named, or anonymous with ``"anonymous": true`` — then nothing about
the caller is stored, not even the token in the audit trail); lists and details hold only the caller's sites
(another site's item answers 404). ``POST …/{id}/triage/`` decides an item (site QM, ``change_reason``
required); ``GET …/statistics/`` gives counts and time to response with the list's filters. Never deleted.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.audit.context import audit_context
from ims.web.api import ScopedModelViewSet, ScopedPermission

from .. import services
from ..filtersets import FeedbackFilterSet
from ..selectors import feedback_queryset, feedback_statistics
from .serializers import FeedbackItemSerializer, FeedbackStatisticsSerializer, TriageSerializer


class FeedbackPermission(ScopedPermission):
    """Reporting needs no add permission: every employee may report at their sites (the service checks that)."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) == "create":
            user = request.user
            if not user or not user.is_authenticated or not user.is_active:
                return False
            if getattr(user, "external_inspector", False):
                self._inspector_check(request, view)
            if getattr(getattr(request, "auth", None), "read_only", False):
                self.message = "This API token is read-only."
                return False
            return True
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(summary="List feedback", description="The feedback of the sites you may view."),
    retrieve=extend_schema(summary="Show a feedback item"),
    deactivate=extend_schema(
        summary="Not offered", request=None, description="Feedback is never retired: it is answered by triage (405)."
    ),
    create=extend_schema(
        summary="Report feedback",
        description="A suggestion, concern, near miss or unsafe condition at one of your sites; "
        "`anonymous: true` stores nothing about you. Anonymous reports are rate limited per site (400).",
    ),
)
@extend_schema(tags=["feedback"])
class FeedbackItemViewSet(ScopedModelViewSet):
    queryset = feedback_queryset()
    serializer_class = FeedbackItemSerializer
    filterset_class = FeedbackFilterSet
    permission_classes = [FeedbackPermission]
    ordering_fields = ["submitted_at", "reference", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        item = services.feedback_submit(
            actor=self.request.user, site=data["site"], kind=data["kind"], description=data["description"],
            location=data.get("location", ""), function=data.get("function"), anonymous=data.get("anonymous", False),
        )  # fmt: skip
        serializer.instance = self.queryset.all().get(pk=item.pk)

    def perform_deactivate(self, obj) -> None:
        raise exceptions.MethodNotAllowed("POST", detail="Feedback is never retired: it is answered by triage.")

    @extend_schema(
        summary="Triage a feedback item",
        description="Accept as an improvement action, open a CAPA (through the action registry) or reject with a "
        "reason; the reporter reads `outcome`. `change_reason` (body or `X-Change-Reason`) is required. A CAPA "
        "at a site you do not manage answers 403.",
        request=TriageSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"])
    def triage(self, request, *args, **kwargs):
        item = self.get_object()
        reason = self.change_reason(request)
        triage = TriageSerializer(data=request.data, context={"request": request})
        triage.is_valid(raise_exception=True)
        with audit_context(reason=reason):
            item = services.feedback_triage(actor=request.user, item=item, **triage.validated_data)
        fresh = self.queryset.all().get(pk=item.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_200_OK)

    @extend_schema(
        summary="Feedback statistics",
        description="Counts per kind, status, site and month, and time to response, for the list's filters.",
        responses={200: FeedbackStatisticsSerializer},
    )
    @action(detail=False, methods=["get"])
    def statistics(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return Response(feedback_statistics(queryset=queryset).as_dict())
