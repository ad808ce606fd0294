"""``POST /api/v1/org/import/``: the org import for HR systems (the same service as the page and the command)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.access.permissions import user_can_any_site
from ims.web.input import FormParser, MultiPartParser

from ..importer import org_import
from ..models import Person

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}


class ImportIssueSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Line in the file (the header is line 1).")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportChangeSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    employee_id = serializers.CharField()
    action = serializers.CharField()
    detail = serializers.CharField()


class OrgImportReportSerializer(serializers.Serializer):
    source = serializers.CharField()
    dry_run = serializers.BooleanField()
    only_valid_rows = serializers.BooleanField()
    accepted = serializers.BooleanField(help_text="Written (or, in a dry run, would be written).")
    applied = serializers.BooleanField(help_text="The changes were written.")
    file_error = serializers.BooleanField(help_text="The file as a whole could not be read.")
    sha256 = serializers.CharField(help_text="SHA-256 of the uploaded file.")
    size_bytes = serializers.IntegerField()
    delimiter = serializers.CharField(allow_blank=True)
    rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    invalid_rows = serializers.IntegerField()
    people_created = serializers.IntegerField()
    people_updated = serializers.IntegerField()
    people_unchanged = serializers.IntegerField()
    memberships_created = serializers.IntegerField()
    memberships_ended = serializers.IntegerField()
    memberships_unchanged = serializers.IntegerField()
    duration_seconds = serializers.FloatField()
    errors = ImportIssueSerializer(many=True)
    notices = serializers.ListField(child=serializers.CharField())
    changes = ImportChangeSerializer(many=True, help_text="The first 500 changes, in file order.")
    changes_total = serializers.IntegerField()


UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "The CSV (docs/import-format.md)."},
            "dry_run": {"type": "boolean", "default": False, "description": "Validate and report; write nothing."},
            "only_valid_rows": {
                "type": "boolean",
                "default": False,
                "description": "Import the valid rows even when other rows have errors.",
            },
        },
        "required": ["file"],
    }
}


def _flag(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        raw = request.data.get(name, "")
    value = str(raw).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise exceptions.ValidationError({name: ["Use true or false."]})


class OrgImportApi(APIView):
    """Upload a people/memberships CSV: validated as a whole, applied in one transaction."""

    queryset = Person.objects.all()  # the kernel permission class reads it (read-only tokens may not POST)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="org_import",
        summary="Import people and memberships from CSV",
        description=(
            "Upserts people by employee id and creates or ends their memberships. Every row is validated first; "
            "nothing is written if any row has an error unless `only_valid_rows` is true. `dry_run` reports what "
            "would change. Rows for sites where you may not manage people are errors. Query parameters or form "
            "fields `dry_run` and `only_valid_rows` are accepted."
        ),
        request=UPLOAD_SCHEMA,
        responses={
            200: OrgImportReportSerializer,
            400: OpenApiResponse(OrgImportReportSerializer, description="The file has errors; nothing was written."),
            403: OpenApiResponse(description="You may not add people at any site, or the token is read-only."),
        },
        tags=["org"],
    )
    def post(self, request, *args, **kwargs):
        if not user_can_any_site(request.user, "org.add_person"):
            raise exceptions.PermissionDenied("You may not import people: you may not add people at any site.")
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Upload the CSV file in the multipart field “file”."]})
        dry_run = _flag(request, "dry_run")
        only_valid_rows = _flag(request, "only_valid_rows")
        report = org_import(
            actor=request.user,
            content=_read_limited(upload),
            dry_run=dry_run,
            only_valid_rows=only_valid_rows,
            source="api",
        )
        data = OrgImportReportSerializer(report.to_dict()).data
        return Response(data, status=status.HTTP_400_BAD_REQUEST if report.rejected else status.HTTP_200_OK)


def _read_limited(upload) -> bytes:
    """An oversized upload is refused before it is read into memory."""
    limit = settings.IMS_ORG_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        message = f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes."
        raise exceptions.ValidationError({"file": [message]})
    return upload.read()
