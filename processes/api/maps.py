"""API of process maps (``/api/v1/processes/process-maps/`` and ``…/process-map-versions/``).

- ``process-maps``: the maps the caller may view (list, detail); ``POST`` creates a map from uploaded BPMN
  (multipart ``bpmn_file`` or the ``bpmn`` text) or a blank pool with one lane per function;
  ``POST {id}/bpmn/`` uploads the next draft's BPMN (multipart ``bpmn_file``, raw ``application/xml`` or
  JSON ``bpmn``): a new version with ``change_summary``, or, when a draft is open, its new content with a
  reason for change (``change_reason`` or ``X-Change-Reason``).
- ``process-map-versions``: the versions (list, detail), ``{id}/bpmn/`` and ``{id}/svg/`` downloads and
  ``{id}/steps/``. Review, approval and retirement are document control's (``/api/v1/documents/…``).

Every write goes through ``processes.maps`` and the document-control services; bad BPMN answers 400 with
the reason and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from ims.documents.choices import Discipline, DocumentType
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.services import TransitionNotAllowed
from ims.documents.uploads import ATTACHMENT_CSP
from ims.org.api.serializers import ScopedRelatedField
from ims.org.models import Function, Person, Site
from ims.web.api import ScopedPermission, StandardPagination
from ims.web.input import FormParser, JSONParser, MultiPartParser
from ims.web.views import REASON_FIELD

from .. import maps
from ..bpmn import MAX_BYTES
from ..forms_maps import ProcessMapFilterSet
from ..models import MapDiagram


class RawBpmnParser(parsers.BaseParser):
    """A request body of BPMN 2.0 XML (``application/xml`` or ``text/xml``), read up to the size limit."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read(MAX_BYTES + 1) if stream is not None else b""
        return {"bpmn": data}


class TextXmlParser(RawBpmnParser):
    media_type = "text/xml"


class DownloadRenderer(BaseRenderer):
    """Lets a client ask for the BPMN or SVG media type; the view answers with the bytes itself."""

    media_type = "application/xml"
    format = "bpmn"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class SvgRenderer(DownloadRenderer):
    media_type = "image/svg+xml"
    format = "svg"


# --- Serializers -------------------------------------------------------------------------------------------------


class ProcessMapSerializer(serializers.ModelSerializer):
    effective_version = serializers.IntegerField(
        source="effective_number", read_only=True, allow_null=True, help_text="The effective version's number."
    )
    open_status = serializers.CharField(read_only=True, allow_null=True, help_text="The open version's status.")
    processes = serializers.SlugRelatedField(
        source="mapped_processes", slug_field="code", many=True, read_only=True, help_text="Processes mapped."
    )
    sites = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    functions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ControlledDocument
        fields = [
            "id",
            "number",
            "title",
            "disciplines",
            "owner",
            "sites",
            "functions",
            "is_active",
            "effective_version",
            "open_status",
            "processes",
            "review_due",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProcessMapCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    disciplines = serializers.ListField(child=serializers.ChoiceField(choices=Discipline.choices), min_length=1)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True)
    functions = ScopedRelatedField(queryset=Function.objects.all(), many=True, required=False)
    effective_date = serializers.DateField(required=False, allow_null=True)
    bpmn_file = serializers.FileField(required=False, help_text="The .bpmn file (multipart).")
    bpmn = serializers.CharField(required=False, trim_whitespace=False, help_text="The BPMN XML as text (JSON).")


class BpmnUploadSerializer(serializers.Serializer):
    bpmn_file = serializers.FileField(required=False, help_text="The .bpmn file (multipart).")
    bpmn = serializers.CharField(required=False, trim_whitespace=False, help_text="The BPMN XML as text (JSON).")
    change_summary = serializers.CharField(
        required=False, allow_blank=True, help_text="What changes and why (when the upload starts a new version)."
    )


class MapStepSerializer(serializers.Serializer):
    id = serializers.CharField()
    lane = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    next = serializers.ListField(child=serializers.CharField())


class ProcessMapVersionSerializer(serializers.ModelSerializer):
    document = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="draft, in_review, approved, effective, superseded or retired (document control)."
    )
    steps = serializers.SerializerMethodField()
    svg_source = serializers.SerializerMethodField()
    bpmn_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "document",
            "number",
            "status",
            "change_summary",
            "effective_date",
            "author",
            "approved_by",
            "approved_at",
            "svg_source",
            "bpmn_sha256",
            "steps",
        ]
        read_only_fields = fields

    def _diagram(self, obj) -> MapDiagram | None:
        try:
            return obj.diagram
        except MapDiagram.DoesNotExist:
            return None

    @extend_schema_field(MapStepSerializer(many=True))
    def get_steps(self, obj) -> list[dict]:
        diagram = self._diagram(obj)
        return diagram.steps if diagram else []

    def get_svg_source(self, obj) -> str:
        diagram = self._diagram(obj)
        return diagram.svg_source if diagram else ""

    def get_bpmn_sha256(self, obj) -> str:
        diagram = self._diagram(obj)
        return diagram.bpmn_sha256 if diagram else ""


# --- Viewsets ----------------------------------------------------------------------------------------------------


def _bpmn_from(request, data) -> bytes | str:
    upload = data.get("bpmn_file")
    if upload:
        if upload.size is not None and upload.size > MAX_BYTES:
            raise exceptions.ValidationError(
                {"bpmn_file": [f"The BPMN file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB."]}
            )
        return upload.read()
    text = data.get("bpmn")
    if not text:
        raise exceptions.ValidationError({"bpmn_file": ["Send the BPMN file (multipart bpmn_file, XML body or bpmn)."]})
    return text


def _bad_bpmn(error: ValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {("bpmn" if k == "body" else k): v for k, v in error.message_dict.items()}
    else:
        detail = {"bpmn": error.messages}
    return exceptions.ValidationError(detail)


def _conflict(error: ValidationError) -> Response:
    return Response({"detail": " ".join(error.messages), "code": error.code}, status=status.HTTP_409_CONFLICT)


@extend_schema_view(
    list=extend_schema(summary="List process maps"),
    retrieve=extend_schema(summary="A process map"),
)
class ProcessMapViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Process maps (controlled documents of type "process map") the caller may view."""

    queryset = ControlledDocument.objects.filter(doc_type=DocumentType.PROCESS_MAP)
    serializer_class = ProcessMapSerializer
    filterset_class = ProcessMapFilterSet
    permission_classes = [ScopedPermission]
    pagination_class = StandardPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser, RawBpmnParser, TextXmlParser]

    def get_queryset(self):
        return maps.maps_visible(user=self.request.user).select_related(None).prefetch_related("sites", "functions")

    @extend_schema(
        summary="Create a process map",
        description="From an uploaded BPMN file, or a blank pool with one lane per function when none is sent.",
        request={"multipart/form-data": ProcessMapCreateSerializer, "application/json": ProcessMapCreateSerializer},
        responses={201: ProcessMapSerializer},
    )
    def create(self, request):
        serializer = ProcessMapCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bpmn = None
        if data.get("bpmn_file") or data.get("bpmn"):
            bpmn = _bpmn_from(request, data)
        try:
            document = maps.map_create(
                actor=request.user,
                number=data["number"],
                title=data["title"],
                sites=data["sites"],
                owner=data["owner"],
                disciplines=data["disciplines"],
                functions=data.get("functions", []),
                bpmn=bpmn,
                effective_date=data.get("effective_date"),
            )
        except ValidationError as error:
            raise _bad_bpmn(error) from error
        document = self.get_queryset().get(pk=document.pk)
        return Response(ProcessMapSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Upload BPMN as the map's next draft",
        description=(
            "Multipart ``bpmn_file``, a raw ``application/xml`` body, or JSON ``bpmn``. Starts a new version "
            "(``change_summary`` required) or, when a draft is open, replaces its content (reason for change "
            "required: ``change_reason`` or ``X-Change-Reason``)."
        ),
        request={
            "multipart/form-data": BpmnUploadSerializer,
            "application/json": BpmnUploadSerializer,
            "application/xml": OpenApiTypes.STR,
        },
        responses={
            201: ProcessMapVersionSerializer,
            400: OpenApiResponse(description="The BPMN was refused (with the reason); nothing changed."),
            409: OpenApiResponse(description="A version is in review or approved; nothing changed."),
        },
    )
    @action(detail=True, methods=["post"], url_path="bpmn")
    def bpmn(self, request, pk=None):
        document = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        bpmn = _bpmn_from(request, data)
        reason = (
            getattr(request, "change_reason_in_body", "")
            or str(data.get(REASON_FIELD) or "")
            or request.headers.get("X-Change-Reason", "")
        ).strip()
        change_summary = str(data.get("change_summary") or request.query_params.get("change_summary") or "").strip()
        try:
            version = maps.map_import(
                actor=request.user, document=document, bpmn=bpmn, change_summary=change_summary, reason=reason
            )
        except TransitionNotAllowed as error:
            return _conflict(error)
        except ValidationError as error:
            raise _bad_bpmn(error) from error
        version = DocumentVersion.objects.get(pk=version.pk)
        return Response(ProcessMapVersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List process-map versions"),
    retrieve=extend_schema(summary="A process-map version with its steps"),
)
class ProcessMapVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versions of the process maps the caller may view, with their BPMN, SVG and steps."""

    queryset = DocumentVersion.objects.filter(document__doc_type=DocumentType.PROCESS_MAP)
    serializer_class = ProcessMapVersionSerializer
    permission_classes = [ScopedPermission]
    pagination_class = StandardPagination

    def get_queryset(self):
        return (
            self.queryset.all()
            .restrict(self.request.user, "view")
            .select_related("document", "diagram")
            .order_by("document__number", "-number")
        )

    def _download(self, content: str, *, extension: str, content_type: str) -> HttpResponse:
        version = self.get_object()
        response = HttpResponse(content.encode("utf-8"), content_type=content_type)
        name = f"{slugify(version.document.number) or 'process-map'}-v{version.number}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = ATTACHMENT_CSP
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Download the version's BPMN",
        responses={(200, "application/xml"): OpenApiResponse(description="BPMN 2.0 XML (the signed content).")},
    )
    @action(detail=True, methods=["get"], url_path="bpmn", renderer_classes=[JSONRenderer, DownloadRenderer])
    def bpmn(self, request, pk=None):
        version = self.get_object()
        if not version.body.strip():
            raise exceptions.NotFound("This version has no BPMN.")
        return self._download(version.body, extension="bpmn", content_type="application/xml; charset=utf-8")

    @extend_schema(
        summary="Download the version's diagram (SVG)",
        responses={(200, "image/svg+xml"): OpenApiResponse(description="The sanitised SVG.")},
    )
    @action(detail=True, methods=["get"], url_path="svg", renderer_classes=[JSONRenderer, SvgRenderer])
    def svg(self, request, pk=None):
        version = self.get_object()
        diagram = maps.map_diagram(version)
        if diagram is None:
            raise exceptions.NotFound("This version has no diagram.")
        return self._download(diagram.svg, extension="svg", content_type="image/svg+xml")

    @extend_schema(summary="The version's steps table", responses={200: MapStepSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole table, as a list (not paginated)
    def steps(self, request, pk=None):
        version = self.get_object()
        diagram = maps.map_diagram(version)
        return Response(diagram.steps if diagram else [])


class MapDiagramSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = MapDiagram
        fields = ["id", "version", "svg_source", "bpmn_sha256", "steps", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(MapStepSerializer(many=True))
    def get_steps(self, obj) -> list[dict]:
        return obj.steps


@extend_schema_view(
    list=extend_schema(summary="List process-map diagrams"),
    retrieve=extend_schema(summary="A process-map diagram (steps; the SVG is at the version's svg/)"),
)
class MapDiagramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The drawing and steps derived from each version's BPMN; they follow their version and are never edited."""

    queryset = MapDiagram.objects.all()
    serializer_class = MapDiagramSerializer
    permission_classes = [ScopedPermission]
    pagination_class = StandardPagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        from ..views_maps import diagrams_visible

        return diagrams_visible(self.queryset.all(), self.request.user).order_by("pk")

    @extend_schema(
        request=None,
        responses={405: OpenApiResponse(description="A diagram follows its version: retire the version instead.")},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        self.get_object()  # 404 outside the caller's sites, 403 without the permission to retire
        raise exceptions.MethodNotAllowed(
            "POST", detail="A diagram follows its version and is never deactivated on its own; retire the version."
        )


def routes(router) -> None:
    """Register this part's viewsets on the app's router."""
    router.register("process-maps", ProcessMapViewSet, basename="processes-processmap")
    router.register("process-map-versions", ProcessMapVersionViewSet, basename="processes-processmapversion")
    router.register("process-map-diagrams", MapDiagramViewSet, basename="processes-mapdiagram")
