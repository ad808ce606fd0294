"""``/api/v1/processes/``: the standards library, read-only (it changes through ``load_standards``)."""

from __future__ import annotations

import django_filters
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from processes.filtersets import ClauseFilterSet, StandardFilterSet
from processes.models import Clause, ClauseMapping, MappingRelation, Standard


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


@extend_schema(tags=["processes"])
class ClauseViewSet(_LibraryViewSet):
    """Clauses: number, short title, parent and the requirement in brief (our words, never the standard's text)."""

    queryset = Clause.objects.order_by("standard_id", "position")
    serializer_class = ClauseSerializer
    filterset_class = ClauseFilterSet
    ordering_fields = ["position", "number", "updated_at"]


@extend_schema(tags=["processes"])
class ClauseMappingViewSet(_LibraryViewSet):
    """How clauses of different standards relate (equal, subset, superset, overlaps)."""

    queryset = ClauseMapping.objects.order_by("pk")
    serializer_class = ClauseMappingSerializer
    filterset_class = ClauseMappingFilterSet
    ordering_fields = ["updated_at"]
