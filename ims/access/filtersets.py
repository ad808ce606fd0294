"""Filters of the inspector grants (the list page and the API alike)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import Agency, GrantStatus
from .models import InspectorGrant


def status_q(status: str, at=None) -> Q:
    """The grants in ``status`` at ``at`` (now), as one condition (``InspectorGrant.status_at`` in SQL)."""
    at = at or timezone.now()
    open_ = Q(ended_at__isnull=True)
    return {
        GrantStatus.SCHEDULED: open_ & Q(valid_from__gt=at),
        GrantStatus.ACTIVE: open_ & Q(valid_from__lte=at, valid_until__gt=at),
        GrantStatus.EXPIRED: open_ & Q(valid_until__lte=at),
        GrantStatus.ENDED: Q(ended_at__isnull=False),
    }[status]


class InspectorGrantFilterSet(SearchFilterSet):
    search_fields = ("reference", "inspector__first_name", "inspector__last_name", "inspector__email", "site_codes")
    status = django_filters.MultipleChoiceFilter(choices=GrantStatus.choices, method="filter_status",
                                                 label=_("Status"))  # fmt: skip
    agency = django_filters.MultipleChoiceFilter(choices=Agency.choices, label=_("Agency"))
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), field_name="sites", distinct=True,
                                                    label=_("Site"))  # fmt: skip

    class Meta:
        model = InspectorGrant
        fields = ["q", "status", "agency", "site"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q(pk__in=[])
        for status in value:
            condition |= status_q(status)
        return queryset.filter(condition)
