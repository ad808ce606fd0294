"""``POST /api/v1/risks/import/``: register entries from CSV or XLSX (the same service as the page)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.access.permissions import user_can_any_site
from ims.web.input import FormParser, MultiPartParser

from ..importer import MAX_BYTES, register_import
from ..models import RiskEntry
from ..services import PERM_ADD


class IssueSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Row of the file (the header is row 1).")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RegisterImportReportSerializer(serializers.Serializer):
    source = serializers.CharField()
    dry_run = serializers.BooleanField()
    accepted = serializers.BooleanField(help_text="Written (or, in a dry run, would be written).")
    applied = serializers.BooleanField()
    file_error = serializers.BooleanField()
    sha256 = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = IssueSerializer(many=True)
    notices = serializers.ListField(child=serializers.CharField())


class RegisterImportApi(APIView):
    """Upload entries: every row checked first; nothing written if any row has an error."""

    queryset = RiskEntry.objects.all()  # the kernel permission class reads it (read-only tokens may not POST)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="risks_import",
        summary="Import register entries from CSV or XLSX",
        description=(
            "Rows are matched by `reference`: new ones are added, known ones updated where a value differs. "
            "Every row is checked first and nothing is written if any row has an error; `dry_run=true` only reports."
        ),
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "dry_run": {"type": "boolean", "default": False},
                },
                "required": ["file"],
            }
        },
        responses={
            200: RegisterImportReportSerializer,
            400: OpenApiResponse(RegisterImportReportSerializer, description="Errors; nothing was written."),
            403: OpenApiResponse(description="You may not add register entries at any site."),
        },
        tags=["risks"],
    )
    def post(self, request, *args, **kwargs):
        if not user_can_any_site(request.user, PERM_ADD):
            raise exceptions.PermissionDenied("You may not add register entries at any site.")
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Upload the file in the multipart field “file”."]})
        if upload.size is not None and upload.size > MAX_BYTES:
            raise exceptions.ValidationError(
                {"file": [f"The file is {upload.size:,} bytes; the limit is {MAX_BYTES:,}."]}
            )
        dry_run = str(request.query_params.get("dry_run", request.data.get("dry_run", ""))).lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
        report = register_import(actor=request.user, content=upload.read(), filename=upload.name, dry_run=dry_run)
        data = RegisterImportReportSerializer(report.to_dict()).data
        return Response(data, status=status.HTTP_200_OK if report.accepted else status.HTTP_400_BAD_REQUEST)
