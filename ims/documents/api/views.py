"""REST endpoints of document control: thin adapters over ``ims.documents.services``.

Invalid lifecycle steps answer 409 and change nothing; refused signatures answer with the ceremony's
status (400/401/403/423); documents and versions are retired, never deleted.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from ims.audit.context import audit_context
from ims.esign.api.views import refusal_response
from ims.esign.choices import SignatureChannel
from ims.esign.selectors import viewer_timezone
from ims.esign.services import SignatureRefused
from ims.esign.views import client_ip
from ims.org.models import Site
from ims.web.api import ScopedModelViewSet, ScopedPermission
from ims.web.views import REASON_FIELD

from .. import services
from ..choices import VersionStatus
from ..filtersets import ControlledDocumentFilterSet, DocumentVersionFilterSet
from ..models import ControlledDocument, DocumentVersion
from .serializers import (
    ControlledDocumentSerializer,
    DocumentVersionSerializer,
    SignatureStepSerializer,
    TransitionSerializer,
)

SIGN_ACTIONS = {"review", "approve", "submit", "return_"}


class PdfRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the view answers with the PDF bytes itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)  # an error answer (404, 401, …) stays readable


class DocumentPermission(ScopedPermission):
    """Lifecycle steps are authorised by the services (review/approve need their own permissions, not change)."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in SIGN_ACTIONS:
            return True
        return super().has_object_permission(request, view, obj)


def _conflict(error: ValidationError) -> Response:
    detail = error.message_dict if hasattr(error, "error_dict") else {"detail": " ".join(error.messages)}
    code = status.HTTP_409_CONFLICT if isinstance(error, services.TransitionNotAllowed) else status.HTTP_400_BAD_REQUEST
    return Response(detail, status=code)


@extend_schema_view(
    list=extend_schema(summary="List controlled documents", description="Documents in scope at your sites."),
    retrieve=extend_schema(summary="Show a controlled document"),
    create=extend_schema(summary="Register a controlled document", description="Creates it with version 1 (a draft)."),
    update=extend_schema(summary="Replace a document's register entry"),
    partial_update=extend_schema(summary="Update a document's register entry"),
    deactivate=extend_schema(summary="Retire a document", request=None, responses={200: ControlledDocumentSerializer}),
)
@extend_schema(tags=["documents"])
class ControlledDocumentViewSet(ScopedModelViewSet):
    queryset = ControlledDocument.objects.all()
    serializer_class = ControlledDocumentSerializer
    filterset_class = ControlledDocumentFilterSet
    permission_classes = [DocumentPermission]
    ordering_fields = ["number", "title", "review_due", "updated_at"]

    def get_queryset(self):
        effective = DocumentVersion._base_manager.filter(document=OuterRef("pk"), status=VersionStatus.EFFECTIVE)
        return (
            super()
            .get_queryset()
            .annotate(effective_version_id=Subquery(effective.values("pk")[:1]))
            .prefetch_related(
                Prefetch("sites", queryset=Site.objects.only("pk")), Prefetch("functions"), Prefetch("roles")
            )
        )

    def _reload(self, document):
        return self.get_queryset().get(pk=document.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        document = services.document_create(actor=self.request.user, **data)
        serializer.instance = self._reload(document)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("number", None)
        document = services.document_update(actor=self.request.user, document=serializer.instance, data=data)
        serializer.instance = self._reload(document)

    def perform_deactivate(self, obj):
        services.document_retire(actor=self.request.user, document=obj)


@extend_schema_view(
    list=extend_schema(summary="List document versions"),
    retrieve=extend_schema(summary="Show a document version", description="With its signature manifestations."),
    create=extend_schema(
        summary="Start a new version",
        description="A draft started from the latest version; `change_summary` is required.",
    ),
    update=extend_schema(summary="Replace a draft's content"),
    partial_update=extend_schema(summary="Update a draft's content", description="Only drafts change (409 otherwise)."),
    deactivate=extend_schema(summary="Retire a version", request=None, responses={200: DocumentVersionSerializer}),
)
@extend_schema(tags=["documents"])
class DocumentVersionViewSet(ScopedModelViewSet):
    queryset = DocumentVersion.objects.select_related("document")
    serializer_class = DocumentVersionSerializer
    filterset_class = DocumentVersionFilterSet
    permission_classes = [DocumentPermission]
    ordering_fields = ["number", "effective_date", "updated_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["with_signatures"] = self.action != "list"
        if self.request is not None and getattr(self.request, "user", None) is not None:
            context["tz"] = viewer_timezone(self.request.user)
        return context

    def handle_exception(self, exc):
        if isinstance(exc, services.TransitionNotAllowed):
            return _conflict(exc)
        return super().handle_exception(exc)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.version_create(
            actor=self.request.user,
            document=data["document"],
            change_summary=data.get("change_summary", ""),
            body=data.get("body"),
            attachment=data.get("attachment"),
            effective_date=data.get("effective_date"),
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("document", None)
        serializer.instance = services.version_update(actor=self.request.user, version=serializer.instance, data=data)

    def perform_deactivate(self, obj):
        services.version_retire(actor=self.request.user, version=obj)

    def _answer(self, version, code=status.HTTP_200_OK):
        version = DocumentVersion.objects.select_related("document").get(pk=version.pk)
        return Response(self.get_serializer(version).data, status=code)

    def _transition(self, request, service):
        version = self.get_object()
        reason = ""
        if hasattr(request.data, "get"):
            reason = str(request.data.get(REASON_FIELD) or "").strip()
        try:
            with audit_context(reason=reason or None):
                service(actor=request.user, version=version)
        except ValidationError as error:
            return _conflict(error)
        return self._answer(version)

    def _sign(self, request, service):
        version = self.get_object()
        serializer = SignatureStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = request._request.session if request.auth is None and hasattr(request._request, "session") else None
        try:
            service(
                actor=request.user,
                version=version,
                password=data.get("password"),
                username=data.get("username"),
                reason=data.get("reason", ""),
                session=session,
                channel=SignatureChannel.API,
                ip=client_ip(request._request),
            )
        except SignatureRefused as refusal:
            return refusal_response(refusal)
        except PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error))
        except ValidationError as error:
            return _conflict(error)
        return self._answer(version)

    @extend_schema(
        summary="Download a version as PDF",
        description="A controlled copy: content, signature manifestations, footer on every page.",
        responses={(200, "application/pdf"): OpenApiResponse(description="The PDF (a download).")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        from ..pdf import render_version_pdf, version_pdf_filename
        from ..views import pdf_response

        version = self.get_object()
        return pdf_response(render_version_pdf(version, viewer=request.user), version_pdf_filename(version))

    @extend_schema(
        summary="Submit a draft for review",
        request=TransitionSerializer,
        responses={200: DocumentVersionSerializer, 409: OpenApiResponse(description="Not a draft.")},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.version_submit)

    @extend_schema(
        summary="Return a version in review to its author",
        request=TransitionSerializer,
        responses={200: DocumentVersionSerializer, 409: OpenApiResponse(description="Not in review.")},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._transition(request, services.version_return)

    @extend_schema(
        summary="Sign a version as reviewed",
        description="The Part 11 ceremony: `username` (always with a token) and `password`.",
        request=SignatureStepSerializer,
        responses={200: DocumentVersionSerializer, 409: OpenApiResponse(description="Not in review.")},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._sign(request, services.version_review)

    @extend_schema(
        summary="Approve a version (e-signed)",
        description="Needs a review by someone else first; the author never approves. Effective on its date.",
        request=SignatureStepSerializer,
        responses={200: DocumentVersionSerializer, 409: OpenApiResponse(description="Not in review.")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._sign(request, services.version_approve)
