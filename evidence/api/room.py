"""API of the inspection: the inspector grants (``/api/v1/evidence/grants/``, the kernel's viewset) and the request
board (``/api/v1/evidence/requests/``).

The inspector lists their requests and asks (``POST``: the one write their access allows); the quality team
prepares (``POST {id}/prepare/``) and provides (``POST {id}/provide/``). Nothing is changed otherwise or deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ims.access.api_grants import InspectorGrantViewSet
from ims.access.inspection import inspector_scope
from ims.access.models import InspectorGrant
from ims.esign.api.serializers import RefusalSerializer
from ims.org.api.serializers import StrictInputSerializer
from ims.web.api import ScopedModelViewSet, ScopedPermission

from .. import services_requests
from ..filtersets_room import InspectionRequestFilterSet
from ..models import InspectionRequest

TAGS = ["inspection"]


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    url = serializers.CharField(max_length=400, help_text="A path in the portal, e.g. /capa/12/.")


class InspectionRequestSerializer(serializers.ModelSerializer):
    links = LinkSerializer(many=True, read_only=True)
    packs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = InspectionRequest
        fields = [
            "id", "grant", "number", "subject", "detail", "status", "requested_by", "requested_at", "preparing_by",
            "preparing_at", "provided_by", "provided_at", "answer", "links", "packs", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class RequestAskSerializer(StrictInputSerializer):
    grant = serializers.IntegerField(required=False, help_text="The grant (needed when you hold more than one).")
    subject = serializers.CharField(max_length=300)
    detail = serializers.CharField(required=False, allow_blank=True, default="")


class RequestProvideSerializer(StrictInputSerializer):
    answer = serializers.CharField(help_text="What the inspector reads.")
    links = LinkSerializer(many=True, required=False, default=list)
    packs = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                  help_text="Ids of packs released for this inspection.")  # fmt: skip


class RequestBoardPermission(ScopedPermission):
    """The inspector asks without an add permission (their access is read-only but for this): the service decides
    who may ask."""

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "external_inspector", False) and getattr(view, "action", None) == "create":
            self._inspector_check(request, view)
            return True
        return super().has_permission(request, view)


REFUSED = {
    400: OpenApiResponse(description="Bad input."),
    403: OpenApiResponse(description="Not yours to do (only the inspector asks; only the quality team moves)."),
    409: OpenApiResponse(RefusalSerializer, description="Not allowed in the request's status."),
}


def _conflict(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        raise exceptions.ValidationError(error.message_dict)
    return Response({"code": error.code or "invalid_transition", "detail": " ".join(error.messages)}, status=409)


@extend_schema_view(
    list=extend_schema(summary="List inspection requests", description="Filter by grant and status."),
    retrieve=extend_schema(summary="Show an inspection request"),
)
@extend_schema(tags=TAGS)
class InspectionRequestViewSet(ScopedModelViewSet):
    queryset = (
        InspectionRequest.objects.select_related("grant").prefetch_related("packs").order_by("-requested_at", "-pk")
    )
    serializer_class = InspectionRequestSerializer
    filterset_class = InspectionRequestFilterSet
    permission_classes = [RequestBoardPermission]
    http_method_names = ["get", "post", "head", "options"]
    #: The inspector's one write (``ims.access.middleware.inspector_may_write``).
    inspector_writable_actions = ("create",)

    def _fresh(self, item) -> dict:
        return InspectionRequestSerializer(self.queryset.all().get(pk=item.pk)).data

    @extend_schema(summary="Ask for records (the inspector)", request=RequestAskSerializer,
                   responses={201: InspectionRequestSerializer, **REFUSED})  # fmt: skip
    def create(self, request, *args, **kwargs):
        body = RequestAskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        scope = inspector_scope(request.user)
        if scope is None:
            raise exceptions.PermissionDenied("Only the inspector asks for records on the request board.")
        grant_ids = [g.pk for g in scope.grants]
        grant_id = data.get("grant") or (grant_ids[0] if len(grant_ids) == 1 else None)
        if grant_id not in grant_ids:
            raise exceptions.ValidationError({"grant": ["Choose one of your inspections in force."]})
        item = services_requests.request_create(
            actor=request.user, grant=InspectorGrant.objects.get(pk=grant_id), subject=data["subject"],
            detail=data.get("detail", ""),
        )  # fmt: skip
        return Response(self._fresh(item), status=status.HTTP_201_CREATED)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="A request moves through prepare and provide.")

    @extend_schema(exclude=True)
    def partial_update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="A request moves through prepare and provide.")

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="Requests are never deactivated.")

    @extend_schema(summary="Take a request into preparation (the quality team)", request=None,
                   responses={200: InspectionRequestSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def prepare(self, request, pk=None):
        item = self.get_object()
        try:
            services_requests.request_prepare(actor=request.user, request=item)
        except ValidationError as error:
            return _conflict(error)
        return Response(self._fresh(item))

    @extend_schema(
        summary="Provide a request: answer, links to records, released packs (the quality team)",
        request=RequestProvideSerializer,
        responses={200: InspectionRequestSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def provide(self, request, pk=None):
        item = self.get_object()
        body = RequestProvideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            services_requests.request_provide(
                actor=request.user, request=item, answer=data["answer"], links=data.get("links"),
                packs=data.get("packs"),
            )  # fmt: skip
        except ValidationError as error:
            return _conflict(error)
        return Response(self._fresh(item))


router = SimpleRouter()
router.register("grants", InspectorGrantViewSet, basename="evidence-grant")
router.register("requests", InspectionRequestViewSet, basename="evidence-request")

urlpatterns = router.urls
