"""Filters of the KPI list, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import DataSource, Discipline
from .models import Kpi, KpiSignal, Reading


class KpiFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")
    discipline = django_filters.MultipleChoiceFilter(choices=Discipline.choices, label=_("Discipline"))
    data_source = django_filters.MultipleChoiceFilter(choices=DataSource.choices, label=_("Data source"))
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", method="filter_site", label=_("Site")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Kpi
        fields = ["q", "discipline", "data_source", "site", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_site(self, queryset, name, value):
        if not value:
            return queryset
        through = Kpi.sites.through.objects.filter(kpi_id=OuterRef("pk"), site__in=value)
        return queryset.filter(Exists(through))


class ReadingFilterSet(django_filters.FilterSet):
    """The time-series filters a BI tool polls with: KPI, site, period and ``updated_since``."""

    kpi = django_filters.CharFilter(field_name="kpi__code", label=_("KPI code"))
    site = django_filters.CharFilter(field_name="site__code", label=_("Site code"))
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte", label=_("Period from"))
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte", label=_("Period to"))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", label=_("Changed after (ISO 8601)")
    )
    include_void = django_filters.BooleanFilter(method="filter_void", label=_("Include voided readings"))

    class Meta:
        model = Reading
        fields = ["kpi", "site", "period_from", "period_to", "updated_since", "include_void"]

    def filter_void(self, queryset, name, value):
        return queryset if value else queryset.filter(is_void=False)


class SignalFilterSet(django_filters.FilterSet):
    kpi = django_filters.CharFilter(field_name="kpi__code", label=_("KPI code"))
    site = django_filters.CharFilter(field_name="site__code", label=_("Site code"))
    open = django_filters.BooleanFilter(field_name="capa_reference", lookup_expr="exact", method="filter_open",
                                        label=_("Without a CAPA"))  # fmt: skip

    class Meta:
        model = KpiSignal
        fields = ["kpi", "site", "open"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(capa_reference="") if value else queryset.exclude(capa_reference="")
