"""Filters of CAPAs, their actions and effectiveness checks (pages and API alike)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import ActionStatus, CapaSource, CapaState, CheckStatus, RiskBand
from .models import Capa, CapaAction, EffectivenessCheck


def overdue_actions():
    return CapaAction._base_manager.filter(
        capa=OuterRef("pk"), status=ActionStatus.OPEN, due_date__lt=timezone.localdate()
    )


class CapaFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "source_label")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    state = django_filters.MultipleChoiceFilter(choices=CapaState.choices, label=_("State"))
    source = django_filters.MultipleChoiceFilter(choices=CapaSource.choices, label=_("Source"))
    risk_band = django_filters.MultipleChoiceFilter(choices=RiskBand.choices, label=_("Risk"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue actions"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Mine (owner of the CAPA or an action)"))

    class Meta:
        model = Capa
        fields = ["q", "site", "state", "source", "risk_band", "overdue", "mine"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.user = getattr(request, "user", None)
        if self.user is not None:
            self.filters["site"].queryset = Site.objects.restrict(self.user, "view")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Exists(overdue_actions())) if value else queryset.exclude(Exists(overdue_actions()))

    def filter_mine(self, queryset, name, value):
        if not value or self.user is None:
            return queryset
        mine = CapaAction._base_manager.filter(capa=OuterRef("pk"), owner=self.user)
        return queryset.filter(Exists(mine)) | queryset.filter(owner=self.user)


class CapaActionFilterSet(django_filters.FilterSet):
    capa = django_filters.NumberFilter(field_name="capa_id", label=_("CAPA (id)"))
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, label=_("Status"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner (id)"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt", label=_("Due before"))

    class Meta:
        model = CapaAction
        fields = ["capa", "status", "owner", "due_before"]


class EffectivenessCheckFilterSet(django_filters.FilterSet):
    capa = django_filters.NumberFilter(field_name="capa_id", label=_("CAPA (id)"))
    status = django_filters.ChoiceFilter(choices=CheckStatus.choices, label=_("Result"))

    class Meta:
        model = EffectivenessCheck
        fields = ["capa", "status"]
