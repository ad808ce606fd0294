"""Filters of the process register, shared by the list page and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Function, Person, Site
from ims.web.lookups import SearchSelect

from .models import Clause, Process, ProcessInteraction, ProcessType, Standard


class ProcessFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "purpose")
    process_type = django_filters.MultipleChoiceFilter(choices=ProcessType.choices, label=_("Type"))
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", method="filter_site", label=_("Site")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Person.objects.all(), label=_("Owner"), widget=SearchSelect(lookup="people")
    )
    function = django_filters.ModelMultipleChoiceFilter(
        queryset=Function.objects.all(), field_name="functions", method="filter_function", label=_("Function")
    )
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(),
        field_name="clauses__standard",
        method="filter_standard",
        label=_("Standard addressed"),
    )
    clause = django_filters.ModelChoiceFilter(
        queryset=Clause.objects.all(), field_name="clauses", method="filter_clause", label=_("Clause addressed (id)"),
        widget=forms.NumberInput,
    )  # fmt: skip
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Process
        fields = ["q", "process_type", "site", "owner", "function", "standard", "clause", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
            self.filters["owner"].queryset = Person.objects.restrict(user, "view")
        self.filters["standard"].queryset = Standard.objects.order_by("code", "edition")

    # Each filter over a to-many relation is an EXISTS: a process is listed once, and the count stays exact.
    def filter_site(self, queryset, name, value):
        if not value:
            return queryset
        through = Process.sites.through.objects.filter(process_id=OuterRef("pk"), site__in=value)
        return queryset.filter(Exists(through))

    def filter_function(self, queryset, name, value):
        if not value:
            return queryset
        through = Process.functions.through.objects.filter(process_id=OuterRef("pk"), function__in=value)
        return queryset.filter(Exists(through))

    def filter_standard(self, queryset, name, value):
        if not value:
            return queryset
        through = Process.clauses.through.objects.filter(process_id=OuterRef("pk"), clause__standard=value)
        return queryset.filter(Exists(through))

    def filter_clause(self, queryset, name, value):
        if not value:
            return queryset
        through = Process.clauses.through.objects.filter(process_id=OuterRef("pk"), clause=value)
        return queryset.filter(Exists(through))


class ProcessInteractionFilterSet(SearchFilterSet):
    search_fields = ("description", "source__code", "target__code", "source__name", "target__name")
    process = django_filters.NumberFilter(method="filter_process", label=_("Process (id), either end"))
    source = django_filters.NumberFilter(field_name="source_id", label=_("From process (id)"))
    target = django_filters.NumberFilter(field_name="target_id", label=_("To process (id)"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ProcessInteraction
        fields = ["q", "process", "source", "target", "is_active"]

    def filter_process(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(source_id=value) | queryset.filter(target_id=value)
