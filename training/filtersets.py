"""Filter sets shared by the training list pages and the API (same parameters, same rules)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Function, Role, Site
from ims.web.lookups import SearchSelect

from .choices import AssignmentReason, AssignmentStatus, TrainingMethod
from .models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement


class SiteScopedFilterSet(SearchFilterSet):
    """Offers only the sites and courses the user may view."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is None:
            return
        if "site" in self.filters:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
        if "course" in self.filters:
            self.filters["course"].queryset = Course.objects.restrict(user, "view")


class CourseFilterSet(SiteScopedFilterSet):
    search_fields = ("code", "title", "description")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", distinct=True, label=_("Site")
    )
    has_assessment = django_filters.BooleanFilter(label=_("Assessment required"))
    requires_practical = django_filters.BooleanFilter(label=_("Practical sign-off"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Course
        fields = ["q", "site", "has_assessment", "requires_practical", "is_active"]


class CourseMaterialFilterSet(SiteScopedFilterSet):
    search_fields = ("title", "url", "course__code", "course__title")
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), label=_("Course"), widget=SearchSelect(lookup="courses")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CourseMaterial
        fields = ["q", "course", "is_active"]


class CurriculumFilterSet(SiteScopedFilterSet):
    search_fields = ("code", "title")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", distinct=True, label=_("Site")
    )
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), field_name="courses", label=_("Course"), widget=SearchSelect(lookup="courses")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Curriculum
        fields = ["q", "site", "course", "is_active"]


class TrainingRequirementFilterSet(SiteScopedFilterSet):
    search_fields = ("course__code", "course__title", "curriculum__code", "curriculum__title")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    function = django_filters.ModelChoiceFilter(queryset=Function.objects.all(), label=_("Function"))
    role = django_filters.ModelChoiceFilter(queryset=Role.objects.all(), label=_("Role"))
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), label=_("Course"), widget=SearchSelect(lookup="courses")
    )
    curriculum = django_filters.ModelChoiceFilter(queryset=Curriculum.objects.all(), label=_("Curriculum"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = TrainingRequirement
        fields = ["q", "site", "function", "role", "course", "curriculum", "is_active"]


class AssignmentFilterSet(SiteScopedFilterSet):
    search_fields = ("course__code", "course__title", "person__username", "person__last_name", "person__employee_id")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), label=_("Course"), widget=SearchSelect(lookup="courses")
    )
    person = django_filters.NumberFilter(field_name="person_id", label=_("Person (id)"))
    status = django_filters.MultipleChoiceFilter(choices=AssignmentStatus.choices, label=_("Status"))
    reason = django_filters.MultipleChoiceFilter(choices=AssignmentReason.choices, label=_("Reason"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due by"))

    class Meta:
        model = Assignment
        fields = ["q", "site", "course", "person", "status", "reason", "overdue", "due_before"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = {"status": AssignmentStatus.OPEN, "due_date__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class TrainingRecordFilterSet(SiteScopedFilterSet):
    search_fields = ("course__code", "course__title", "person__username", "person__last_name", "person__employee_id")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), label=_("Course"), widget=SearchSelect(lookup="courses")
    )
    person = django_filters.NumberFilter(field_name="person_id", label=_("Person (id)"))
    method = django_filters.MultipleChoiceFilter(choices=TrainingMethod.choices, label=_("Method"))
    completed_from = django_filters.DateFilter(field_name="completed_on", lookup_expr="gte", label=_("Completed from"))
    completed_to = django_filters.DateFilter(field_name="completed_on", lookup_expr="lte", label=_("Completed to"))

    class Meta:
        model = TrainingRecord
        fields = ["q", "site", "course", "person", "method", "completed_from", "completed_to"]
