"""Filters of the standards library's lists."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline
from ims.org.filtersets import SearchFilterSet

from .models import Clause, DocumentClause, Standard, StandardKind


class StandardFilterSet(SearchFilterSet):
    search_fields = ("code", "title", "edition")
    kind = django_filters.MultipleChoiceFilter(choices=StandardKind.choices, label=_("Kind"))
    discipline = django_filters.ChoiceFilter(
        choices=Discipline.choices, field_name="disciplines", lookup_expr="contains", method="filter_discipline",
        label=_("Discipline"),
    )  # fmt: skip
    is_active = django_filters.BooleanFilter(label=_("Current edition"))

    class Meta:
        model = Standard
        fields = ["q", "kind", "discipline", "is_active"]

    def filter_discipline(self, queryset, name, value):
        return queryset.filter(disciplines__contains=[value]) if value else queryset


class ClauseFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "summary")
    standard = django_filters.ModelMultipleChoiceFilter(queryset=Standard.objects.all(), label=_("Standard"))
    top_level = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label=_("Top-level clauses"))

    class Meta:
        model = Clause
        fields = ["q", "standard", "top_level"]


class DocumentClauseFilterSet(SearchFilterSet):
    search_fields = ("document__number", "document__title", "clause__number", "clause__title")
    standard = django_filters.ModelMultipleChoiceFilter(
        queryset=Standard.objects.all(), field_name="clause__standard", label=_("Standard")
    )
    is_active = django_filters.BooleanFilter(label=_("In use"))

    class Meta:
        model = DocumentClause
        fields = ["q", "standard", "is_active"]
