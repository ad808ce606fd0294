"""``/api/v1/esign/signatures/``: sign a record (the ceremony) and list a record's signatures."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.web.api_policy import StandardPagination

from .. import selectors, services
from ..choices import SignatureChannel
from ..registry import get_signable
from ..views import client_ip
from .serializers import SignatureCreateSerializer, SignatureSerializer


class SigningPermission(permissions.BasePermission):
    """An active person; signing is a write, so a read-only token may only list."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        if request.method not in permissions.SAFE_METHODS and getattr(request.auth, "read_only", False):
            self.message = "This API token is read-only."
            return False
        return True


def refusal_response(refusal: services.SignatureRefused) -> Response:
    body = {"detail": refusal.message, "code": refusal.code}
    if refusal.field:
        body["field"] = refusal.field
    if refusal.link:
        body["link"] = refusal.link
    return Response(body, status=refusal.status)


def sign_through_api(request, service, *, refused: type[Exception] = (), **arguments) -> Response | None:
    """Run an app's signing service from an API view: credentials from the request, channel API.

    ``service(actor=…, password=…, username=…, session=…, channel=…, ip=…, **arguments)``. Answers ``None`` when
    it signed; otherwise the response to return: the refused signature's status (nothing signed), 403 when the
    record is not the caller's to sign, 409 with the code for the app's ``refused`` workflow errors.
    """
    data = request.data if hasattr(request.data, "get") else {}
    web_session = request._request.session if request.auth is None and hasattr(request._request, "session") else None
    try:
        service(
            actor=request.user,
            password=data.get("password"),
            username=data.get("username"),
            session=web_session,
            channel=SignatureChannel.API,
            ip=client_ip(request._request),
            **arguments,
        )
    except services.SignatureRefused as refusal:
        return refusal_response(refusal)
    except PermissionDenied as error:
        return Response({"detail": str(error), "code": "permission_denied"}, status=403)
    except refused as error:
        code = getattr(error, "code", None) or "not_allowed"
        return Response({"code": code, "detail": " ".join(getattr(error, "messages", [str(error)]))}, status=409)
    return None


class SignatureListCreateApi(APIView):
    permission_classes = [SigningPermission]
    pagination_class = StandardPagination

    @extend_schema(
        summary="List a record's signatures",
        tags=["e-signatures"],
        parameters=[
            OpenApiParameter("content_type", str, required=True, description='"app_label.model"'),
            OpenApiParameter("object_pk", str, required=True),
        ],
        responses={200: SignatureSerializer(many=True), 404: OpenApiResponse(description="Not visible to you.")},
    )
    def get(self, request):
        content_type = request.query_params.get("content_type", "")
        object_pk = request.query_params.get("object_pk", "")
        if not content_type or not object_pk:
            raise ValidationError({"content_type": ["Required with object_pk."], "object_pk": ["Required."]})
        if get_signable(content_type) is None:
            raise ValidationError({"content_type": ["Not a signable record type."]})
        record = selectors.record_for(content_type=content_type, object_pk=object_pk, user=request.user)
        if record is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.signatures_for(record), request, view=self)
        context = {"request": request, "tz": selectors.viewer_timezone(request.user)}
        return paginator.get_paginated_response(SignatureSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Sign a record",
        description=(
            "The Part 11 ceremony: password always, user ID on the first signing of a web session, after the idle "
            "limit, and always with an API token. The server sets the signer, the time and the hashes; a client "
            "sending them gets 400. 400: missing input; 401: wrong password or another person's user ID; "
            "403: not certified, deactivated, impersonation; 404: record not visible; 423: signing locked."
        ),
        tags=["e-signatures"],
        request=SignatureCreateSerializer,
        responses={
            201: SignatureSerializer,
            400: OpenApiResponse(description="Missing or unknown input."),
            401: OpenApiResponse(description="Wrong credentials; attempt recorded."),
            403: OpenApiResponse(description="May not sign."),
            423: OpenApiResponse(description="Locked."),
        },
    )
    def post(self, request):
        serializer = SignatureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if get_signable(data["content_type"]) is None:
            raise ValidationError({"content_type": ["Not a signable record type."]})
        record = selectors.record_for(content_type=data["content_type"], object_pk=data["object_pk"], user=request.user)
        if record is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        session = request._request.session if request.auth is None and hasattr(request._request, "session") else None
        try:
            signature = services.signature_create(
                signer=request.user,
                record=record,
                meaning=data["meaning"],
                password=data.get("password"),
                username=data.get("username"),
                reason=data.get("reason", ""),
                session=session,
                channel=SignatureChannel.API,
                ip=client_ip(request._request),
            )
        except services.SignatureRefused as refusal:
            return refusal_response(refusal)
        context = {"request": request, "tz": selectors.viewer_timezone(request.user)}
        return Response(SignatureSerializer(signature, context=context).data, status=status.HTTP_201_CREATED)
