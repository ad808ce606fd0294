"""Filters of the IMS framework, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline
from ims.documents.models import ControlledDocument
from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site
from ims.web.lookups import SearchSelect
from processes.models import Process, Standard

from .choices import Frequency, ReportedTo
from .models import MonitoringPlanItem, ProcedureRecord


def _sites_of(user):
    return Site.objects.restrict(user, "view") if user is not None else Site.objects.none()


class ProcedureFilterSet(SearchFilterSet):
    search_fields = ("number", "title")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), method="filter_site", label=_("Site"))
    discipline = django_filters.ChoiceFilter(choices=Discipline.choices, method="filter_discipline",
                                             label=_("Discipline"))  # fmt: skip
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(), method="filter_standard", label=_("Standard covered")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ControlledDocument
        fields = ["q", "site", "discipline", "standard", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["site"].queryset = _sites_of(getattr(request, "user", None))
        self.filters["standard"].queryset = Standard.objects.order_by("code", "edition")

    def filter_site(self, queryset, name, value):
        through = ControlledDocument.sites.through.objects.filter(controlleddocument_id=OuterRef("pk"), site=value)
        return queryset.filter(Exists(through)) if value else queryset

    def filter_discipline(self, queryset, name, value):
        return queryset.filter(disciplines__contains=[value]) if value else queryset

    def filter_standard(self, queryset, name, value):
        if not value:
            return queryset
        from processes.models import DocumentClause

        links = DocumentClause._base_manager.filter(document_id=OuterRef("pk"), is_active=True, clause__standard=value)
        return queryset.filter(Exists(links))


class ProcedureRecordFilterSet(SearchFilterSet):
    search_fields = ("name", "document__number", "document__title", "location")
    document = django_filters.ModelChoiceFilter(
        queryset=ControlledDocument.objects.all(),
        label=_("Procedure"),
        widget=SearchSelect(lookup="framework-procedure"),
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ProcedureRecord
        fields = ["q", "document", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        documents = (
            ControlledDocument.objects.restrict(user, "view") if user is not None else ControlledDocument.objects.none()
        )
        self.filters["document"].queryset = documents.filter(doc_type="procedure")


class MonitoringPlanFilterSet(SearchFilterSet):
    search_fields = ("measure", "method", "process__code", "process__name", "objective__title")
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), field_name="process__sites", method="filter_site", label=_("Site")
    )
    process = django_filters.ModelChoiceFilter(
        queryset=Process.objects.all(), label=_("Process"), widget=SearchSelect(lookup="framework-process")
    )
    frequency = django_filters.MultipleChoiceFilter(choices=Frequency.choices, label=_("Frequency"))
    reported_to = django_filters.MultipleChoiceFilter(choices=ReportedTo.choices, label=_("Reported to"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = MonitoringPlanItem
        fields = ["q", "site", "process", "frequency", "reported_to", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["site"].queryset = _sites_of(user)
        self.filters["process"].queryset = (
            Process.objects.restrict(user, "view").order_by("code") if user is not None else Process.objects.none()
        )

    def filter_site(self, queryset, name, value):
        if not value:
            return queryset
        through = Process.sites.through.objects.filter(process_id=OuterRef("process_id"), site=value)
        return queryset.filter(Exists(through))
