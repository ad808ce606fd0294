"""Filters of the management reviews, shared by the list page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import ReviewStatus
from .models import ManagementReview


class ReviewFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "minutes")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))
    meeting_after = django_filters.DateFilter(field_name="meeting_date", lookup_expr="gte", label=_("Meeting from"))
    meeting_before = django_filters.DateFilter(field_name="meeting_date", lookup_expr="lte", label=_("Meeting to"))

    class Meta:
        model = ManagementReview
        fields = ["q", "site", "status", "meeting_after", "meeting_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
