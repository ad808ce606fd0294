"""API of evidence packs (``/api/v1/evidence/packs/``): request (202 while it builds), status, release with an
e-signature, and the downloads (PDF, bundle, manifest). The same services as the pages."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.org.api.serializers import ScopedRelatedField, StrictInputSerializer
from ims.org.models import Site
from ims.reports.registry import section_choices
from ims.web.api_policy import ScopedPermission

from .. import services, storage
from ..models import EvidencePack
from ..selectors import packs_for

TAGS = ["evidence: packs"]


class JobSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued, running, done, failed or cancelled")
    percent = serializers.IntegerField()
    steps_done = serializers.IntegerField()
    steps_total = serializers.IntegerField()
    message = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()


class PackSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="building, built, released, failed or cancelled")
    job = JobSerializer(read_only=True)
    sites = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    manifest_sha256 = serializers.CharField(source="contents_sha256", read_only=True)

    class Meta:
        model = EvidencePack
        fields = [
            "id", "number", "title", "sites", "period_start", "period_end", "sections", "options", "grant", "status",
            "job", "created_at", "built_at", "page_count", "record_count", "pdf_sha256", "manifest_sha256",
            "released_at", "bundle_sha256",
        ]  # fmt: skip
        read_only_fields = fields


class PackRequestSerializer(StrictInputSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sections = serializers.ListField(child=serializers.ChoiceField(choices=()), allow_empty=False)
    options = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(min_value=1)),
        required=False,
        help_text='Per-section choices, e.g. {"capa.files": [12, 15]}.',
    )
    grant = serializers.IntegerField(required=False, allow_null=True, help_text="The inspection the pack is for.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].child.choices = section_choices()


class PackSignSerializer(StrictInputSerializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)


@extend_schema_view(
    list=extend_schema(summary="List evidence packs"),
    retrieve=extend_schema(summary="Show an evidence pack and its build progress"),
)
@extend_schema(tags=TAGS)
class PackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = EvidencePack.objects.all()
    serializer_class = PackSerializer
    permission_classes = [ScopedPermission]

    def get_queryset(self):
        return packs_for(self.request.user).prefetch_related("sites").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Request an evidence pack",
        description="Built in the background on the pdf queue: 202 with the new pack, or 200 with the pack already "
        "being built for the same scope. Poll the pack for its progress.",
        request=PackRequestSerializer,
        responses={202: PackSerializer, 200: PackSerializer, 400: OpenApiResponse(description="Bad scope.")},
    )
    def create(self, request):
        from ims.access.models import InspectorGrant

        body = PackRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        grant = None
        if data.get("grant"):
            grant = InspectorGrant.objects.restrict(request.user, "view").filter(pk=data["grant"]).first()
            if grant is None:
                return Response({"grant": ["No inspection with this id is visible to you."]}, status=400)
        try:
            pack, created = services.pack_request(
                actor=request.user,
                sites=list(data["sites"]),
                period_start=data["period_start"],
                period_end=data["period_end"],
                sections=data["sections"],
                options=data.get("options") or {},
                grant=grant,
                title=data.get("title", ""),
            )
        except ValidationError as error:
            return Response(
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}, status=400
            )
        return Response(PackSerializer(pack).data, status=202 if created else 200)

    @extend_schema(
        summary="Release a built pack (e-signature: approved)",
        request=PackSignSerializer,
        responses={
            200: PackSerializer,
            401: OpenApiResponse(RefusalSerializer),
            409: OpenApiResponse(RefusalSerializer, description="Not built, or already released."),
        },
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        pack = self.get_object()
        PackSignSerializer(data=request.data).is_valid(raise_exception=True)
        refusal = sign_through_api(request, services.pack_release_signed, refused=ValidationError, pack=pack)
        if refusal is not None:
            return refusal
        pack.refresh_from_db()
        return Response(PackSerializer(pack).data)

    def _file(self, name, filename, content_type):
        try:
            handle = storage.absolute(name).open("rb")
        except (OSError, ValueError) as error:
            raise Http404 from error
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)

    @extend_schema(
        summary="Download the pack's PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not built yet.")},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        pack = self.get_object()
        if not pack.pdf_file:
            raise Http404
        return self._file(pack.pdf_file, f"{pack.number}.pdf", "application/pdf")

    @extend_schema(
        summary="Download the released bundle (ZIP: PDF, attachments, manifest, checker)",
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Not released yet."),
        },
    )
    @action(detail=True, methods=["get"])
    def bundle(self, request, pk=None):
        pack = self.get_object()
        if not pack.bundle_file:
            raise Http404
        return self._file(pack.bundle_file, f"{pack.number}.zip", "application/zip")

    @extend_schema(
        summary="The pack's manifest (records, attachments, hashes; release and seal once released)",
        responses={(200, "application/json"): OpenApiTypes.OBJECT, 404: OpenApiResponse(description="Not built yet.")},
    )
    @action(detail=True, methods=["get"])
    def manifest(self, request, pk=None):
        pack = self.get_object()
        if not pack.manifest:
            raise Http404
        return HttpResponse(
            json.dumps(pack.manifest, sort_keys=True, ensure_ascii=False), content_type="application/json"
        )


router = DefaultRouter()
router.register("packs", PackViewSet, basename="evidencepack")

urlpatterns = [path("", include(router.urls))]
