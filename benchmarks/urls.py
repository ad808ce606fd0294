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
