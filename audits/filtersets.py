"""Filters of programmes, audits, checklist questions and findings (pages and API alike)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site
from processes.models import Standard

from .choices import AuditStatus, ChecklistResult, FindingGrade, FindingStatus
from .models import Audit, AuditProgramme, ChecklistItem, Finding


def _restrict_sites(filterset, request) -> None:
    user = getattr(request, "user", None)
    if user is not None and "site" in filterset.filters:
        filterset.filters["site"].queryset = Site.objects.restrict(user, "view")


class AuditProgrammeFilterSet(SearchFilterSet):
    search_fields = ("title", "objectives")
    site = django_filters.ModelMultipleChoiceFilter(
        field_name="sites", queryset=Site.objects.all(), label=_("Site"), distinct=True
    )
    year = django_filters.NumberFilter(label=_("Year"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = AuditProgramme
        fields = ["q", "site", "year", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        _restrict_sites(self, request)


class AuditFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "scope_note")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.MultipleChoiceFilter(choices=AuditStatus.choices, label=_("Status"))
    programme = django_filters.NumberFilter(field_name="programme_id", label=_("Programme (id)"))
    planned_from = django_filters.DateFilter(field_name="planned_date", lookup_expr="gte", label=_("Planned from"))
    planned_to = django_filters.DateFilter(field_name="planned_date", lookup_expr="lte", label=_("Planned to"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("My audits"))

    class Meta:
        model = Audit
        fields = ["q", "site", "status", "programme", "planned_from", "planned_to", "mine"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._user = getattr(request, "user", None)
        _restrict_sites(self, request)

    def filter_mine(self, queryset, name, value):
        if not value or self._user is None:
            return queryset
        me = self._user.pk
        mine = Audit._base_manager.filter(Q(lead_auditor_id=me) | Q(auditors=me) | Q(auditees=me)).values("pk")
        return queryset.filter(pk__in=mine)


class ChecklistItemFilterSet(django_filters.FilterSet):
    audit = django_filters.NumberFilter(field_name="audit_id", label=_("Audit (id)"))
    result = django_filters.MultipleChoiceFilter(choices=ChecklistResult.choices, label=_("Result"))

    class Meta:
        model = ChecklistItem
        fields = ["audit", "result"]


class FindingFilterSet(SearchFilterSet):
    search_fields = ("reference", "statement", "evidence_reference")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    audit = django_filters.NumberFilter(field_name="audit_id", label=_("Audit (id)"))
    grade = django_filters.MultipleChoiceFilter(choices=FindingGrade.choices, label=_("Grade"))
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    clause = django_filters.NumberFilter(field_name="clause_id", label=_("Clause (id)"))
    process = django_filters.NumberFilter(field_name="process_id", label=_("Process (id)"))
    standard = django_filters.ModelChoiceFilter(
        field_name="clause__standard", queryset=Standard.objects.all(), label=_("Standard")
    )
    raised_from = django_filters.DateFilter(field_name="raised_on", lookup_expr="gte", label=_("Raised from"))
    raised_to = django_filters.DateFilter(field_name="raised_on", lookup_expr="lte", label=_("Raised to"))

    class Meta:
        model = Finding
        fields = ["q", "site", "audit", "grade", "status", "clause", "process", "standard", "raised_from", "raised_to"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        _restrict_sites(self, request)
