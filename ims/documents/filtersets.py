"""Filter sets shared by the document list pages and the API (same parameters, same rules)."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Site

from .choices import Discipline, DocumentType, VersionStatus
from .models import ControlledDocument, DocumentVersion


class ControlledDocumentFilterSet(SearchFilterSet):
    search_fields = ("number", "title")
    doc_type = django_filters.MultipleChoiceFilter(choices=DocumentType.choices, label="Type")
    discipline = django_filters.ChoiceFilter(choices=Discipline.choices, method="filter_discipline", label="Discipline")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", distinct=True, label="Site"
    )
    owner = django_filters.NumberFilter(field_name="owner_id", label="Owner (id)")
    review_overdue = django_filters.BooleanFilter(method="filter_review_overdue", label="Periodic review overdue")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = ControlledDocument
        fields = ["q", "doc_type", "discipline", "site", "owner", "review_overdue", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_discipline(self, queryset, name, value):
        return queryset.filter(disciplines__contains=[value]) if value else queryset

    def filter_review_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.review_overdue(timezone.localdate())
        return queryset.filter(pk__in=overdue.values("pk")) if value else queryset.exclude(pk__in=overdue.values("pk"))


class DocumentVersionFilterSet(SearchFilterSet):
    search_fields = ("document__number", "document__title", "change_summary")
    status = django_filters.MultipleChoiceFilter(choices=VersionStatus.choices)
    document = django_filters.NumberFilter(field_name="document_id", label="Document (id)")
    author = django_filters.NumberFilter(field_name="author_id", label="Author (id)")

    class Meta:
        model = DocumentVersion
        fields = ["q", "status", "document", "author"]
