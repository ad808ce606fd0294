"""``/api/v1/manual/…``: manuals, versions (snapshot, changed since approval, PDF, DOCX), sections, live blocks and
site annexes. Thin adapters over ``manual.services``; lists hold only the caller's sites (another site's annex
answers 404); content changes only on a draft, an update needs a reason for change; nothing is deleted."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.web.api import ScopedModelViewSet, ScopedPermission

from .. import selectors, services
from ..models import ManualSection, SectionBlock, SiteAnnex
from ..outputs import OutputRefused, output_prepare, render_docx, render_pdf
from .serializers import (
    MANUAL_VERSIONS,
    AnnexSerializer,
    BlockSerializer,
    ChangeSerializer,
    ManualSerializer,
    ManualVersionSerializer,
    SectionSerializer,
    SnapshotSerializer,
)

FILE_PARAMS = [
    OpenApiParameter("draft", OpenApiTypes.BOOL, description="1: a copy of a version that is not effective, "
                     "marked “DRAFT — not effective” on every page (otherwise 409)."),
    OpenApiParameter("site", OpenApiTypes.STR, description="Site id or code: the core plus that site's annex."),
]  # fmt: skip


class NotEffective(APIException):
    status_code = 409
    default_code = "not_effective"


@extend_schema_view(
    list=extend_schema(summary="List IMS manuals"),
    retrieve=extend_schema(summary="Show an IMS manual"),
    create=extend_schema(summary="Register an IMS manual", description="Its first draft holds clauses 4–10."),
)
@extend_schema(tags=["manual"])
class ManualViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ControlledDocument.objects.filter(doc_type=DocumentType.MANUAL).prefetch_related("sites")
    serializer_class = ManualSerializer
    permission_classes = [ScopedPermission]

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.manual_create(
            actor=self.request.user,
            number=data["number"],
            title=data["title"],
            owner=data["owner"],
            sites=data["sites"],
            effective_date=data.get("effective_date"),
            requires_acknowledgement=data.get("requires_acknowledgement", True),
        )


@extend_schema_view(
    list=extend_schema(summary="List manual versions"), retrieve=extend_schema(summary="Show a manual version")
)
@extend_schema(tags=["manual"])
class ManualVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Versions move through the document-control API (``/api/v1/documents/…``: submit, review, approve)."""

    queryset = MANUAL_VERSIONS.select_related("document")
    serializer_class = ManualVersionSerializer
    permission_classes = [ScopedPermission]

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view")

    @extend_schema(summary="The snapshot fixed on approval", responses={200: SnapshotSerializer})
    @action(detail=True, methods=["get"])
    def snapshot(self, request, pk=None):
        version = self.get_object()
        snapshot = selectors.snapshot_of(version)
        if snapshot is None:
            raise Http404("This version has no snapshot yet: it is written on approval.")
        data = SnapshotSerializer(snapshot).data
        visible = {str(s) for s in selectors.visible_annex_sites(version, user=request.user)}
        data["annexes"] = {k: v for k, v in data["annexes"].items() if k in visible}
        return Response(data)

    @extend_schema(
        summary="What changed since approval",
        description="The records behind the live blocks that were added, removed or changed since the version's "
        "snapshot was fixed (empty for a version without a snapshot). For the people who maintain the manual.",
        responses={200: ChangeSerializer(many=True), 403: OpenApiResponse(description="Not a maintainer.")},
    )
    @action(detail=True, methods=["get"], url_path="changed-since-approval", pagination_class=None)
    def changed_since_approval(self, request, pk=None):
        version = self.get_object()
        if not selectors.may_see_changes(version, user=request.user):
            raise exceptions.PermissionDenied(
                "Only the people who maintain the manual see what changed since approval."
            )
        changes = selectors.changes_for(version, user=request.user) or []
        return Response(ChangeSerializer(changes, many=True).data)

    def _file(self, request, kind: str):
        version = self.get_object()
        site = None
        if raw := (request.query_params.get("site") or "").strip():
            sites = version.document.sites.restrict(request.user, "view")
            site = (sites.filter(pk=int(raw)) if raw.isdigit() else sites.filter(code__iexact=raw)).first()
            if site is None:
                raise Http404
        try:
            output = output_prepare(
                version, viewer=request.user, draft=request.query_params.get("draft") in ("1", "true"), site=site
            )
        except OutputRefused as refused:
            raise NotEffective(" ".join(refused.messages)) from refused
        if kind == "pdf":
            data, content_type = render_pdf(output), "application/pdf"
        else:
            data = render_docx(output)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{output.filename(kind)}"'
        return response

    @extend_schema(
        summary="The manual as PDF", parameters=FILE_PARAMS, responses={(200, "application/pdf"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return self._file(request, "pdf")

    @extend_schema(
        summary="The manual as DOCX",
        parameters=FILE_PARAMS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"): OpenApiTypes.BINARY
        },
    )
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        return self._file(request, "docx")


@extend_schema_view(
    create=extend_schema(summary="Add a section to a draft manual"),
    partial_update=extend_schema(summary="Change a section", description="`change_reason` is required."),
    deactivate=extend_schema(
        summary="Remove a section from the draft", request=None, responses={200: SectionSerializer}
    ),
)
@extend_schema(tags=["manual"])
class SectionViewSet(ScopedModelViewSet):
    queryset = ManualSection.objects.select_related("version__document")
    serializer_class = SectionSerializer
    filterset_fields = ["version", "slot", "is_active"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.section_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        serializer.instance = services.section_update(actor=self.request.user, section=serializer.instance, data=data)

    def perform_deactivate(self, obj):
        services.section_remove(actor=self.request.user, section=obj)


@extend_schema_view(
    create=extend_schema(summary="Place a live block", description="Its parameters must name records you may see."),
    partial_update=extend_schema(summary="Change a block's parameters", description="`change_reason` is required."),
    deactivate=extend_schema(
        summary="Remove a live block from the draft", request=None, responses={200: BlockSerializer}
    ),
)
@extend_schema(tags=["manual"])
class BlockViewSet(ScopedModelViewSet):
    queryset = SectionBlock.objects.select_related("section__version")
    serializer_class = BlockSerializer
    filterset_fields = ["section", "block_key", "is_active"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.block_add(
            actor=self.request.user, section=data["section"], block_key=data["block_key"], params=data.get("params")
        )

    def perform_update(self, serializer):
        params = serializer.validated_data.get("params", serializer.instance.params)
        serializer.instance = services.block_update(actor=self.request.user, block=serializer.instance, params=params)

    def perform_deactivate(self, obj):
        services.block_remove(actor=self.request.user, block=obj)


@extend_schema_view(
    create=extend_schema(summary="Write a site annex", description="Local scope, regulations and roles of one site."),
    partial_update=extend_schema(summary="Change a site annex", description="`change_reason` is required."),
)
@extend_schema(tags=["manual"])
class AnnexViewSet(ScopedModelViewSet):
    queryset = SiteAnnex.objects.select_related("site", "version")
    serializer_class = AnnexSerializer
    filterset_fields = ["version", "site"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.annex_save(
            actor=self.request.user, version=data.pop("version"), site=data.pop("site"), data=data
        )

    def perform_update(self, serializer):
        annex = serializer.instance
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("version", "site")}
        serializer.instance = services.annex_save(
            actor=self.request.user, version=annex.version, site=annex.site, data=data
        )

    def perform_deactivate(self, obj):
        raise Http404("A site annex is changed, not removed; clear its text instead.")
