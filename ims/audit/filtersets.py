"""The audit trail's filters, shared by the trail page, its exports and the API."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ims.org.models import Person, Site
from ims.web.lookups import SearchSelect

from . import registry
from .context import CHANNELS
from .models import AuditAction, AuditEvent
from .selectors import TRAIL_LABEL, record_type_label

UTC = datetime.UTC


def record_type_choices() -> list[tuple[str, str]]:
    labels = {entry.label for entry in registry.audited_models()} | {TRAIL_LABEL}
    return sorted(((label, record_type_label(label)) for label in labels), key=lambda c: str(c[1]).lower())


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)


@extend_schema_field(OpenApiTypes.INT)
class SiteFilter(django_filters.ModelChoiceFilter):
    """A site id; an event belongs to the sites its record belonged to when it was written."""


class AuditEventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), help_text=_("Reason, record id or who"))
    actor = django_filters.ModelChoiceFilter(
        queryset=Person.objects.none(), label=_("Who"), widget=SearchSelect(lookup="people")
    )
    model_label = django_filters.ChoiceFilter(choices=record_type_choices, label=_("Record type"))
    object_pk = django_filters.CharFilter(label=_("Record id"))
    site = SiteFilter(queryset=Site.objects.none(), method="filter_site", label=_("Site"))
    date_from = django_filters.DateFilter(
        method="filter_from", label=_("From (UTC date)"), help_text=_("YYYY-MM-DD, from 00:00 UTC")
    )
    date_to = django_filters.DateFilter(
        method="filter_to", label=_("To (UTC date)"), help_text=_("YYYY-MM-DD, up to 24:00 UTC")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    channel = django_filters.ChoiceFilter(choices=[(c, c) for c in CHANNELS], label=_("Channel"))

    class Meta:
        model = AuditEvent
        fields = ["q", "actor", "model_label", "object_pk", "site", "date_from", "date_to", "action", "channel"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["actor"].queryset = Person.objects.restrict(user, "view")
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reason__icontains=value) | Q(object_pk=value) | Q(actor_label__iexact=value) | Q(request_id=value)
        )

    def filter_site(self, queryset, name, value):
        return queryset.filter(site_ids__contains=[value.pk]) if value else queryset

    def filter_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_utc_midnight(value)) if value else queryset

    def filter_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_utc_midnight(value + datetime.timedelta(days=1))) if value else queryset

    def applied(self) -> dict:
        """The filters in use, for the record of an inspector's read."""
        if not self.is_bound:
            return {}
        return {k: v for k, v in self.data.items() if k in self.filters and v not in (None, "")}
