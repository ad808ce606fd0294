"""Benchmark-only URLs: the real project plus bare DRF lists over the same rows without site scoping.

The bare list uses the same serializer, prefetch and pagination as ``/api/v1/people/`` so the
difference measured is the cost of scoping (``restrict()``) and the kernel's policy classes.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from ims.org.api.serializers import PersonSerializer
from ims.org.models import Membership, Person
from ims.urls import urlpatterns as project_urlpatterns
from ims.web.api_policy import StandardPagination


class BarePersonList(ListAPIView):
    """Every person, no scoping: the baseline for the people API and the people page."""

    serializer_class = PersonSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    filter_backends: list = []

    def get_queryset(self):
        memberships = Membership.objects.current().select_related("site", "function", "role")
        return Person.objects.all().prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="visible_memberships")
        )


urlpatterns = [
    path("bench/bare/people/", BarePersonList.as_view(), name="bench-bare-people"),
    *project_urlpatterns,
]


# --- Training assignments: the floor and the unscoped twin of /api/v1/training/assignments/ -------------------

from rest_framework import serializers  # noqa: E402

from training.api.serializers import AssignmentSerializer  # noqa: E402
from training.models import Assignment  # noqa: E402


def _sites_param(request) -> list[int] | None:
    """``?sites=1,2,3``: the rows of those sites (the same rows a scoped user sees); absent: every row."""
    raw = request.query_params.get("sites")
    return [int(pk) for pk in raw.split(",")] if raw else None


class PlainAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = "__all__"


class BareAssignmentList(ListAPIView):
    """The floor: plain DRF — a model serializer of the row's own columns, no joins, no scoping, no filters."""

    serializer_class = PlainAssignmentSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    filter_backends: list = []

    def get_queryset(self):
        sites = _sites_param(self.request)
        rows = Assignment._base_manager.order_by("due_date", "id")
        return rows if sites is None else rows.filter(site_id__in=sites)


class UnscopedAssignmentList(BareAssignmentList):
    """The product's serializer, queryset and pagination over the same rows, without ``restrict()``."""

    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("person", "course", "site")


urlpatterns = [
    path("bench/bare/assignments/", BareAssignmentList.as_view(), name="bench-bare-assignments"),
    path("bench/unscoped/assignments/", UnscopedAssignmentList.as_view(), name="bench-unscoped-assignments"),
    *urlpatterns,
]
