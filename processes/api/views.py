"""``/api/v1/processes/``: the standards library.

Standards and clauses are read here (the ISO standards and regulations change through ``load_standards``; company
standards are imported at ``standards/import/``). Clause mappings and the clauses documents address are written
here by the people who hold the permission, through the same services as the pages: creating, changing (with a
reason for change and ``If-Match``) and deactivating; never deleting.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ims.access.permissions import user_can_any_site
from ims.audit.context import audit_context
from ims.documents.choices import Discipline
from ims.documents.models import ControlledDocument
from ims.web.api import ScopedModelViewSet
from processes import library
from processes.filtersets import ClauseFilterSet, DocumentClauseFilterSet, StandardFilterSet
from processes.imports import IMPORT_KINDS, IMPORT_PERMISSION, StandardFields, standard_import
from processes.models import Clause, ClauseMapping, DocumentClause, MappingRelation, Standard


class StandardSerializer(serializers.ModelSerializer):
    clause_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "code", "edition", "title", "kind", "disciplines", "is_active", "clause_count", "updated_at"]


class ClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clause
        fields = ["id", "standard", "number", "title", "summary", "parent", "position", "updated_at"]


class ClauseMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClauseMapping
        fields = ["id", "source", "target", "relation", "note", "is_active", "updated_at"]
        read_only_fields = ["is_active", "updated_at"]
        validators = []  # the service names duplicates in either direction, and brings a deactivated one back


class ClauseMappingChangeSerializer(ClauseMappingSerializer):
    """A change alters the relation and the note; the two clauses stay (map others with a new mapping)."""

    class Meta(ClauseMappingSerializer.Meta):
        read_only_fields = ["source", "target", "is_active", "updated_at"]


class DocumentClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentClause
        fields = ["id", "document", "clause", "note", "is_active", "updated_at"]
        read_only_fields = ["is_active", "updated_at"]
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "document" in self.fields and not self.fields["document"].read_only:
            self.fields["document"].queryset = ControlledDocument.objects.restrict(request.user, "view")


class DocumentClauseChangeSerializer(DocumentClauseSerializer):
    class Meta(DocumentClauseSerializer.Meta):
        read_only_fields = ["document", "clause", "is_active", "updated_at"]


class StandardImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The clauses: CSV (number, title, summary, parent) or JSON.")
    code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    edition = serializers.CharField(max_length=40, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in IMPORT_KINDS], default="company")
    disciplines = serializers.MultipleChoiceField(choices=Discipline.choices, required=False)
    dry_run = serializers.BooleanField(
        default=False, help_text="Check the file and answer what would be created; nothing is written."
    )


class ClauseMappingFilterSet(django_filters.FilterSet):
    standard = django_filters.NumberFilter(method="filter_standard", label="Standard id (either side)")
    clause = django_filters.NumberFilter(method="filter_clause", label="Clause id (either side)")
    relation = django_filters.MultipleChoiceFilter(choices=MappingRelation.choices)

    class Meta:
        model = ClauseMapping
        fields = ["standard", "clause", "relation", "is_active"]

    def filter_standard(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(source__standard_id=value) | queryset.filter(target__standard_id=value)

    def filter_clause(self, queryset, name, value):
        return queryset.filter(source_id=value) | queryset.filter(target_id=value) if value is not None else queryset


class _LibraryViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view")


@extend_schema(tags=["processes"])
class StandardViewSet(_LibraryViewSet):
    """Standards and regulations, one edition each."""

    queryset = Standard.objects.annotate(clause_count=Count("clauses")).order_by("code", "edition")
    serializer_class = StandardSerializer
    filterset_class = StandardFilterSet
    ordering_fields = ["code", "edition", "updated_at"]

    @extend_schema(
        request={"multipart/form-data": StandardImportRequestSerializer},
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Dry run: the file is valid; what would be created."),
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="Imported: what was created."),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Refused: every problem with its line; nothing written."
            ),
        },
        description=(
            "Import a company standard, a customer's requirements or a local regulation: the clauses of one file "
            "(CSV or JSON) for the standard named by code and edition. Every row is checked first; nothing is "
            "written unless all are valid. With dry_run, the answer says what would be created."
        ),
    )
    @action(detail=False, methods=["post"], url_path="import", filterset_class=None, pagination_class=None)
    def import_clauses(self, request):
        if getattr(request.auth, "read_only", False):
            raise exceptions.PermissionDenied("This API token is read-only.")
        if not user_can_any_site(request.user, IMPORT_PERMISSION):
            raise exceptions.PermissionDenied("You may not import standards.")
        given = StandardImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        upload = data["file"]
        fields = StandardFields(
            code=data.get("code", ""),
            edition=data.get("edition", ""),
            title=data.get("title", ""),
            kind=data["kind"],
            disciplines=sorted(data.get("disciplines") or []),
        )
        content = upload.read()
        with audit_context(reason=f"Company standard imported through the API from {upload.name[:200]}"):
            try:
                report = standard_import(
                    actor=request.user,
                    content=content,
                    fields=fields,
                    dry_run=data["dry_run"],
                    source="api",
                    filename=upload.name,
                )
            except PermissionDenied as denied:
                raise exceptions.PermissionDenied(str(denied)) from denied
        if not report.accepted:
            answer = status.HTTP_400_BAD_REQUEST
        else:
            answer = status.HTTP_201_CREATED if report.applied else status.HTTP_200_OK
        return Response(report.to_dict(), status=answer)


@extend_schema(tags=["processes"])
class ClauseViewSet(_LibraryViewSet):
    """Clauses: number, short title, parent and the requirement in brief (our words, never the standard's text)."""

    queryset = Clause.objects.order_by("standard_id", "position")
    serializer_class = ClauseSerializer
    filterset_class = ClauseFilterSet
    ordering_fields = ["position", "number", "updated_at"]


@extend_schema(tags=["processes"])
class ClauseMappingViewSet(ScopedModelViewSet):
    """How clauses of different standards relate (equal, subset, superset, overlaps). Quality managers map clauses,
    change a mapping (reason for change and ``If-Match``) and deactivate it; a mapping is never deleted."""

    queryset = ClauseMapping.objects.order_by("pk")
    serializer_class = ClauseMappingSerializer
    filterset_class = ClauseMappingFilterSet
    ordering_fields = ["updated_at"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ClauseMappingChangeSerializer
        return ClauseMappingSerializer

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = library.clause_mapping_create(
            actor=self.request.user,
            source=data["source"],
            target=data["target"],
            relation=data["relation"],
            note=data.get("note", ""),
        )

    def perform_update(self, serializer) -> None:
        mapping = serializer.instance
        data = serializer.validated_data
        serializer.instance = library.clause_mapping_update(
            actor=self.request.user,
            mapping=mapping,
            relation=data.get("relation", mapping.relation),
            note=data.get("note", mapping.note),
        )

    def perform_deactivate(self, obj) -> None:
        library.clause_mapping_deactivate(actor=self.request.user, mapping=obj)


class DocumentClauseApiFilterSet(DocumentClauseFilterSet):
    document = django_filters.NumberFilter(field_name="document_id", label="Document id")
    clause = django_filters.NumberFilter(field_name="clause_id", label="Clause id")

    class Meta(DocumentClauseFilterSet.Meta):
        fields = [*DocumentClauseFilterSet.Meta.fields, "document", "clause"]


@extend_schema(tags=["processes"])
class DocumentClauseViewSet(ScopedModelViewSet):
    """The clauses each controlled document addresses (rows of the documents of the caller's sites). Whoever may
    change a document links it to clauses, changes the note (reason for change) and deactivates a link."""

    queryset = DocumentClause.objects.order_by("pk")
    serializer_class = DocumentClauseSerializer
    filterset_class = DocumentClauseApiFilterSet
    ordering_fields = ["updated_at"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return DocumentClauseChangeSerializer
        return DocumentClauseSerializer

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = library.document_clause_add(
            actor=self.request.user, document=data["document"], clause=data["clause"], note=data.get("note", "")
        )

    def perform_update(self, serializer) -> None:
        link = serializer.instance
        serializer.instance = library.document_clause_update(
            actor=self.request.user, link=link, note=serializer.validated_data.get("note", link.note)
        )

    def perform_deactivate(self, obj) -> None:
        library.document_clause_deactivate(actor=self.request.user, link=obj)
