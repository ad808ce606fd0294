"""Filters of the register and the obligations, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Person, Site
from ims.web.lookups import SearchSelect

from .choices import Band, Discipline, EntryKind, EvaluationResult, ObligationType, OperatingCondition
from .models import ComplianceEvaluation, Control, Obligation, RiskEntry


class _SiteChoices(SearchFilterSet):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            for name in ("site", "owner"):
                if name in self.filters:
                    model = Site if name == "site" else Person
                    self.filters[name].queryset = model.objects.restrict(user, "view")


class RiskEntryFilterSet(_SiteChoices):
    search_fields = ("reference", "title", "hazard", "aspect", "impact", "activity")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    discipline = django_filters.MultipleChoiceFilter(choices=Discipline.choices, label=_("Discipline"))
    kind = django_filters.MultipleChoiceFilter(choices=EntryKind.choices, label=_("Kind"))
    process = django_filters.NumberFilter(field_name="process_id", label=_("Process (id)"))
    owner = django_filters.ModelChoiceFilter(
        queryset=Person.objects.all(), label=_("Owner"), widget=SearchSelect(lookup="people")
    )
    band = django_filters.MultipleChoiceFilter(
        field_name="residual_band", choices=Band.choices, label=_("Residual band")
    )
    operating_condition = django_filters.ChoiceFilter(
        choices=OperatingCondition.choices, label=_("Operating condition")
    )
    is_significant = django_filters.BooleanFilter(label=_("Significant aspect"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Review overdue"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = RiskEntry
        fields = ["q", "site", "discipline", "kind", "process", "owner", "band", "operating_condition",
                  "is_significant", "overdue", "is_active"]  # fmt: skip

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        if value:
            return queryset.filter(is_active=True, review_date__lt=today)
        return queryset.exclude(is_active=True, review_date__lt=today)


class ControlFilterSet(SearchFilterSet):
    search_fields = ("description", "entry__reference", "entry__title")
    entry = django_filters.NumberFilter(field_name="entry_id", label=_("Entry (id)"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Control
        fields = ["q", "entry", "is_active"]


class ObligationFilterSet(_SiteChoices):
    search_fields = ("title", "jurisdiction", "requirement_summary")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", method="filter_site", label=_("Site")
    )
    obligation_type = django_filters.MultipleChoiceFilter(choices=ObligationType.choices, label=_("Type"))
    jurisdiction = django_filters.CharFilter(lookup_expr="icontains", label=_("Jurisdiction"))
    owner = django_filters.ModelChoiceFilter(
        queryset=Person.objects.all(), label=_("Owner"), widget=SearchSelect(lookup="people")
    )
    due = django_filters.BooleanFilter(method="filter_due", label=_("Evaluation due"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Obligation
        fields = ["q", "site", "obligation_type", "jurisdiction", "owner", "due", "is_active"]

    def filter_site(self, queryset, name, value):
        if not value:
            return queryset
        through = Obligation.sites.through.objects.filter(obligation_id=OuterRef("pk"), site__in=value)
        return queryset.filter(Exists(through))

    def filter_due(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        if value:
            return queryset.filter(is_active=True, next_evaluation__lte=today)
        return queryset.exclude(is_active=True, next_evaluation__lte=today)


class EvaluationFilterSet(_SiteChoices):
    search_fields = ("evidence", "obligation__title")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    obligation = django_filters.NumberFilter(field_name="obligation_id", label=_("Obligation (id)"))
    result = django_filters.MultipleChoiceFilter(choices=EvaluationResult.choices, label=_("Result"))

    class Meta:
        model = ComplianceEvaluation
        fields = ["q", "site", "obligation", "result"]
