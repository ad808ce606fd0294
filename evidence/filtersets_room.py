"""Filters of the request board (the quality manager's list and the API alike)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet

from .models import InspectionRequest, RequestStatus


class InspectionRequestFilterSet(SearchFilterSet):
    search_fields = ("subject", "detail", "answer", "grant__reference")
    grant = django_filters.NumberFilter(field_name="grant_id", label=_("Inspection (grant id)"))
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices, label=_("Status"))

    class Meta:
        model = InspectionRequest
        fields = ["q", "grant", "status"]
