"""Filters of the feedback list, shared by the page and the API."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import FeedbackKind, FeedbackStatus
from .models import FeedbackItem


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        raise ValidationError(_("Give the month as YYYY-MM.")) from None


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value):
        value = super().clean(value)
        return _month(value) if value else None


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    """Items submitted in a month, given as ``YYYY-MM``."""

    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(submitted_at__year=value.year, submitted_at__month=value.month)


class FeedbackFilterSet(SearchFilterSet):
    search_fields = ("reference", "description", "location", "outcome")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    kind = django_filters.MultipleChoiceFilter(choices=FeedbackKind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=FeedbackStatus.choices, label=_("Status"))
    month = MonthFilter(label=_("Month"))
    anonymous = django_filters.BooleanFilter(field_name="submitter", lookup_expr="isnull", label=_("Anonymous"))

    class Meta:
        model = FeedbackItem
        fields = ["q", "site", "kind", "status", "month", "anonymous"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
