"""Filter sets shared by the list pages and the API (same parameters, same rules)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from .models import Function, Membership, Person, Role, Site


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive search over ``search_fields``."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label="Search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class SiteFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "country")
    is_active = django_filters.BooleanFilter(label="Active")
    country = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Site
        fields = ["q", "country", "is_active"]


class FunctionFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Function
        fields = ["q", "is_active"]


class RoleFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Role
        fields = ["q", "is_global", "is_read_only"]


class PersonFilterSet(SearchFilterSet):
    search_fields = ("first_name", "last_name", "username", "employee_id", "email", "job_title")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="memberships__site", label="Site", method="filter_membership"
    )
    function = django_filters.ModelMultipleChoiceFilter(
        queryset=Function.objects.all(),
        field_name="memberships__function",
        label="Function",
        method="filter_membership",
    )
    role = django_filters.ModelMultipleChoiceFilter(
        queryset=Role.objects.all(), field_name="memberships__role", label="Role", method="filter_membership"
    )
    is_active = django_filters.BooleanFilter(label="Active")
    employee_id = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Person
        fields = ["q", "site", "function", "role", "is_active", "employee_id"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_membership(self, queryset, name, value):
        if not value:
            return queryset
        field = name.removeprefix("memberships__")
        memberships = Membership.objects.current().filter(**{f"{field}__in": value}).values("person_id")
        return queryset.filter(pk__in=memberships)


class MembershipFilterSet(SearchFilterSet):
    search_fields = ("person__first_name", "person__last_name", "person__employee_id", "site__code", "role__name")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all())
    function = django_filters.ModelMultipleChoiceFilter(queryset=Function.objects.all())
    role = django_filters.ModelMultipleChoiceFilter(queryset=Role.objects.all())
    person = django_filters.NumberFilter(field_name="person_id")
    current = django_filters.BooleanFilter(method="filter_current", label="Current")

    class Meta:
        model = Membership
        fields = ["q", "site", "function", "role", "person", "current"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        current = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        return queryset.filter(current) if value else queryset.exclude(current)
