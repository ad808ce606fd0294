"""Filter sets shared by the objective pages and the API (same parameters, same rules)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Function, Role, Site

from . import coverage
from .choices import Assignment, Direction, Discipline, ObjectiveLevel, ObjectiveStatus
from .constants import RACI_DOCUMENT_TYPES
from .models import Acknowledgement, AcknowledgementStatus, Distribution, Objective, ObjectiveReading, Responsibility


class ObjectiveFilterSet(SearchFilterSet):
    search_fields = ("title", "kpi", "description")
    level = django_filters.ChoiceFilter(choices=ObjectiveLevel.choices, method="filter_level", label=_("Level"))
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    function = django_filters.ModelMultipleChoiceFilter(queryset=Function.objects.all(), label=_("Function"))
    status = django_filters.MultipleChoiceFilter(choices=ObjectiveStatus.choices, label=_("Status"))
    discipline = django_filters.ChoiceFilter(choices=Discipline.choices, label=_("Discipline"))
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("Direction"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Contributes to (id)"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner (id)"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due by"))

    class Meta:
        model = Objective
        fields = [
            "q",
            "level",
            "site",
            "function",
            "status",
            "discipline",
            "direction",
            "parent",
            "owner",
            "due_before",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_level(self, queryset, name, value):
        if value == ObjectiveLevel.COMPANY:
            return queryset.filter(site__isnull=True)
        if value == ObjectiveLevel.SITE:
            return queryset.filter(site__isnull=False, function__isnull=True)
        if value == ObjectiveLevel.FUNCTION:
            return queryset.filter(function__isnull=False)
        return queryset


class ObjectiveReadingFilterSet(SearchFilterSet):
    search_fields = ("objective__title", "comment")
    objective = django_filters.NumberFilter(field_name="objective_id", label=_("Objective (id)"))
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="objective__site", label=_("Site")
    )
    is_void = django_filters.BooleanFilter(label=_("Voided"))
    period_from = django_filters.DateFilter(field_name="period_end", lookup_expr="gte", label=_("Period from"))
    period_to = django_filters.DateFilter(field_name="period_end", lookup_expr="lte", label=_("Period to"))

    class Meta:
        model = ObjectiveReading
        fields = ["q", "objective", "site", "is_void", "period_from", "period_to"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")


class ResponsibilityFilterSet(SearchFilterSet):
    """Cells of the RACI matrix; cleared cells are listed only when ``assignment`` asks for blank."""

    search_fields = ("document__number", "document__title", "role__name")
    document = django_filters.NumberFilter(field_name="document_id", label=_("Document (id)"))
    role = django_filters.ModelMultipleChoiceFilter(queryset=Role.objects.all(), label=_("Role"))
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="document__sites", distinct=True, label=_("Site")
    )
    doc_type = django_filters.ChoiceFilter(
        field_name="document__doc_type",
        choices=[(t.value, t.label) for t in RACI_DOCUMENT_TYPES],
        label=_("Document type"),
    )
    assignment = django_filters.MultipleChoiceFilter(choices=Assignment.choices, label=_("Assignment"))

    class Meta:
        model = Responsibility
        fields = ["q", "document", "role", "site", "doc_type", "assignment"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")


# --- Read-and-acknowledge tasks -------------------------------------------------------------------------------


def id_or_code(field: str, value: str) -> Q:
    """``site=12`` or ``site=SITEA``: a related record by its id or its code."""
    value = value.strip()
    if value.isdigit():
        return Q(**{f"{field}_id": int(value)})
    return Q(**{f"{field}__code__iexact": value})


class AcknowledgementFilterSet(SearchFilterSet):
    search_fields = ("version__document__number", "version__document__title", "person__username", "person__last_name")
    status = django_filters.MultipleChoiceFilter(choices=AcknowledgementStatus.choices)
    state = django_filters.ChoiceFilter(choices=coverage.STATES, method="filter_state", label="State")
    site = django_filters.CharFilter(method="filter_site", label="Site (id or code)")
    function = django_filters.CharFilter(method="filter_function", label="Function (id or code)")
    document = django_filters.NumberFilter(field_name="version__document_id", label="Document (id)")
    version = django_filters.NumberFilter(field_name="version_id", label="Version (id)")
    person = django_filters.NumberFilter(field_name="person_id", label="Person (id)")

    class Meta:
        model = Acknowledgement
        fields = ["q", "status", "state", "site", "function", "document", "version", "person"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(coverage.state_filter(value)) if value else queryset

    def filter_site(self, queryset, name, value):
        return queryset.filter(id_or_code("site", value)) if value.strip() else queryset

    def filter_function(self, queryset, name, value):
        return queryset.filter(id_or_code("function", value)) if value.strip() else queryset


class DistributionFilterSet(SearchFilterSet):
    search_fields = ("version__document__number", "version__document__title")
    document = django_filters.NumberFilter(field_name="version__document_id", label="Document (id)")
    version = django_filters.NumberFilter(field_name="version_id", label="Version (id)")

    class Meta:
        model = Distribution
        fields = ["q", "document", "version"]
