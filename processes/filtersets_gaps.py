"""Filters of gap assessments, clause results and statements of applicability (pages and API alike)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Person, Site

from .models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    AssessmentStatus,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    Standard,
    StatementStatus,
)


class GapAssessmentFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "scope")
    site = django_filters.ModelMultipleChoiceFilter(
        field_name="sites", queryset=Site.objects.all(), label=_("Site"), distinct=True
    )
    standard = django_filters.ModelMultipleChoiceFilter(
        field_name="standards", queryset=Standard.objects.all(), label=_("Standard"), distinct=True
    )
    status = django_filters.MultipleChoiceFilter(choices=AssessmentStatus.choices, label=_("Status"))
    lead_assessor = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("Lead assessor"))

    class Meta:
        model = GapAssessment
        fields = ["q", "site", "standard", "status", "lead_assessor"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
            self.filters["lead_assessor"].queryset = Person.objects.filter(
                led_gap_assessments__in=GapAssessment.objects.restrict(user, "view").values("pk")
            ).distinct()


class ClauseResultFilterSet(django_filters.FilterSet):
    assessment = django_filters.NumberFilter(field_name="assessment_id", label=_("Assessment (id)"))
    site = django_filters.NumberFilter(field_name="site_id", label=_("Site (id)"))
    standard = django_filters.NumberFilter(field_name="clause__standard_id", label=_("Standard (id)"))
    status = django_filters.MultipleChoiceFilter(choices=ResultStatus.choices, label=_("Result"))
    answered = django_filters.BooleanFilter(method="filter_answered", label=_("Answered"))

    class Meta:
        model = ClauseResult
        fields = ["assessment", "site", "standard", "status", "answered"]

    def filter_answered(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(status="") if value else queryset.filter(status="")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)


class ApplicabilityStatementFilterSet(SearchFilterSet):
    search_fields = ("site__code", "site__name", "change_summary")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.MultipleChoiceFilter(choices=StatementStatus.choices, label=_("Status"))

    class Meta:
        model = ApplicabilityStatement
        fields = ["q", "site", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")


class ApplicabilityEntryFilterSet(django_filters.FilterSet):
    statement = django_filters.NumberFilter(field_name="statement_id", label=_("Statement (id)"))
    standard = django_filters.NumberFilter(field_name="clause__standard_id", label=_("Standard (id)"))
    applicable = django_filters.BooleanFilter(label=_("Applicable"))

    class Meta:
        model = ApplicabilityEntry
        fields = ["statement", "standard", "applicable"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
