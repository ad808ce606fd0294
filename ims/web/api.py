"""API base classes: the viewset applies ``restrict()`` once, like the page views.

- ``GET`` lists and details only the rows of the caller's sites (other rows answer 404).
- ``POST``/``PUT``/``PATCH`` need the add/change permission; a read-only token may only read.
- Regulated records are never deleted: ``DELETE`` answers 405; ``POST …/{id}/deactivate/`` deactivates.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.audit.context import audit_context

from .api_policy import ScopedPermission, StandardPagination, exception_handler
from .concurrency import StaleEdit, etag, guarded_edit, if_match_tokens
from .views import REASON_FIELD, REASON_REQUIRED

__all__ = ["ScopedModelViewSet", "ScopedPermission", "StandardPagination", "exception_handler"]


class EditConflict(exceptions.APIException):
    status_code = 409
    default_code = "changed_since_read"


class VersionRequired(exceptions.APIException):
    status_code = 428
    default_code = "if_match_required"
    default_detail = (
        "Send If-Match with the ETag of the record as you read it (GET of the record), or If-Match: * to "
        "overwrite whatever it holds now: an update never silently overwrites a change you have not seen."
    )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The record's ETag from your GET (or * to overwrite whatever it holds now). A record changed since "
        "answers 409 and nothing is changed; without the header, 428."
    ),
)


class ScopedModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, detail, create, update and deactivate; never delete.

    Subclasses declare ``queryset``, ``serializer_class``, ``filterset_class`` and implement
    ``perform_create``/``perform_update``/``perform_deactivate`` with the app's services.
    """

    # No "delete": OPTIONS and the schema advertise only what works; DELETE answers 405 with the way out.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view")

    def change_reason(self, request) -> str:
        """The reason for an update or deactivation: body field ``change_reason`` or header ``X-Change-Reason``.

        Raises a 400 without one (A11-9). The field is taken out of the body before the serializer sees it.
        """
        data = request.data  # parsing notes the body's reason (ims/web/input.py)
        if hasattr(data, "keys") and REASON_FIELD in data:
            request._full_data = {k: v for k, v in data.items() if k != REASON_FIELD}
        reason = getattr(request, "change_reason_in_body", "") or request.headers.get("X-Change-Reason", "")
        reason = reason.strip()
        if not reason:
            raise exceptions.ValidationError({REASON_FIELD: [REASON_REQUIRED]})
        return reason

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if tag := etag(self.get_object()):
            response["ETag"] = tag
        return response

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        obj = self.get_object()  # 404 outside the caller's sites and 403 without permission come before the rest
        reason = self.change_reason(request)
        seen = if_match_tokens(request.headers.get("If-Match", ""))
        if seen is None:
            raise VersionRequired
        try:
            # If-Match names the version the client read (the ETag): a record changed meanwhile is refused (409).
            with audit_context(reason=reason), guarded_edit(obj, seen):
                response = super().update(request, *args, **kwargs)
        except StaleEdit as stale:
            raise EditConflict(stale.message) from stale
        if tag := etag(type(obj)._base_manager.get(pk=obj.pk)):
            response["ETag"] = tag
        return response

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method == "DELETE":
            raise exceptions.MethodNotAllowed(
                "DELETE", detail="Regulated records are never deleted. Use POST …/deactivate/ instead."
            )
        return super().http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=None, description="Deactivate the record (it is kept, never deleted).")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        obj = self.get_object()
        with audit_context(reason=self.change_reason(request)):
            self.perform_deactivate(obj)
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)

    def perform_deactivate(self, obj) -> None:
        raise NotImplementedError
