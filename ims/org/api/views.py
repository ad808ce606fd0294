"""REST endpoints for the organisation: thin adapters that parse, authorise, call a service, render.

The base viewset scopes every read to the caller's sites (other sites' rows answer 404),
refuses DELETE and offers ``POST …/{id}/deactivate/``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions

from ims.access.permissions import user_can_at_site
from ims.web.api import ScopedModelViewSet

from .. import services
from ..filtersets import FunctionFilterSet, MembershipFilterSet, PersonFilterSet, RoleFilterSet, SiteFilterSet
from ..models import Function, Membership, Person, Role, Site
from .serializers import (
    FunctionSerializer,
    MembershipSerializer,
    PersonCreateSerializer,
    PersonSerializer,
    RoleSerializer,
    SiteSerializer,
)


def _deactivate_schema(resource: str, description: str, serializer):
    return extend_schema(
        summary=f"Deactivate a {resource}",
        description=description,
        request=None,
        responses={200: serializer, 403: OpenApiResponse(description="You may not deactivate it.")},
    )


@extend_schema_view(
    list=extend_schema(summary="List sites", description="The sites you may view."),
    retrieve=extend_schema(summary="Show a site"),
    create=extend_schema(summary="Create a site", description="Needs the permission to add sites (Global Admin)."),
    update=extend_schema(summary="Replace a site", description="A site's code never changes."),
    partial_update=extend_schema(summary="Update a site", description="A site's code never changes."),
    deactivate=_deactivate_schema(
        "site", "The site is kept with its history; nobody can be given a new membership there.", SiteSerializer
    ),
)
@extend_schema(tags=["sites"])
class SiteViewSet(ScopedModelViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    ordering_fields = ["code", "name", "country", "is_active", "created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.site_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.site_update(site=serializer.instance, data=serializer.validated_data)

    def perform_deactivate(self, obj):
        services.site_deactivate(site=obj)


@extend_schema_view(
    list=extend_schema(summary="List functions", description="Company-wide functions and departments."),
    retrieve=extend_schema(summary="Show a function"),
    create=extend_schema(summary="Create a function"),
    update=extend_schema(summary="Replace a function", description="A function's code never changes."),
    partial_update=extend_schema(summary="Update a function", description="A function's code never changes."),
    deactivate=_deactivate_schema(
        "function", "The function is kept with its history; no new membership can use it.", FunctionSerializer
    ),
)
@extend_schema(tags=["functions"])
class FunctionViewSet(ScopedModelViewSet):
    queryset = Function.objects.all()
    serializer_class = FunctionSerializer
    filterset_class = FunctionFilterSet
    ordering_fields = ["code", "name", "is_active"]

    def perform_create(self, serializer):
        serializer.instance = services.function_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.function_update(function=serializer.instance, data=serializer.validated_data)

    def perform_deactivate(self, obj):
        services.function_deactivate(function=obj)


@extend_schema_view(
    list=extend_schema(summary="List roles", description="The IMS roles and their permissions (defined in code)."),
    retrieve=extend_schema(summary="Show a role"),
)
@extend_schema(tags=["roles"])
class RoleViewSet(ScopedModelViewSet):
    """Roles are data defined in code: read them here, change them in ``ims.org.roles``."""

    http_method_names = ["get", "head", "options"]
    queryset = Role.objects.prefetch_related("permissions__content_type")
    serializer_class = RoleSerializer
    filterset_class = RoleFilterSet
    ordering_fields = ["code", "name"]


@extend_schema_view(
    list=extend_schema(
        summary="List people", description="People with a membership at one of your sites, with their memberships."
    ),
    retrieve=extend_schema(summary="Show a person"),
    create=extend_schema(
        summary="Create a person",
        description=(
            "Creates the person with their first membership (`site`, `function`, `role`, by id or code). "
            "Needs the permission to add people at that site. The person gets no password: "
            "they set one through the password reset."
        ),
        request=PersonCreateSerializer,
        responses={201: PersonSerializer},
    ),
    update=extend_schema(summary="Replace a person", description="Memberships change through /memberships/."),
    partial_update=extend_schema(summary="Update a person", description="Memberships change through /memberships/."),
    deactivate=_deactivate_schema(
        "person",
        "Login is refused from the next request and the person's current memberships end today.",
        PersonSerializer,
    ),
)
@extend_schema(tags=["people"])
class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["last_name", "first_name", "username", "employee_id", "email", "is_active", "updated_at"]

    def _visible_memberships(self):
        """The current memberships the caller may view, rendered inside each person."""
        return (
            Membership.objects.restrict(self.request.user, "view")
            .current()
            .select_related("site", "function", "role")
            .order_by("site__code", "function__code", "role__code")
        )

    def _with_memberships(self, person: Person) -> Person:
        person.visible_memberships = list(self._visible_memberships().filter(person=person))
        return person

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("memberships", queryset=self._visible_memberships(), to_attr="visible_memberships")
            )
        )

    def get_serializer_class(self):
        if self.action == "create":
            return PersonCreateSerializer
        return PersonSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        site, function, role = data.pop("site"), data.pop("function"), data.pop("role")
        if not user_can_at_site(self.request.user, "org.add_person", site):
            raise exceptions.PermissionDenied(f"You may not add people at site {site.code}.")
        person = services.person_create(**data)
        services.membership_create(person=person, site=site, function=function, role=role, actor=self.request.user)
        serializer.instance = self._with_memberships(person)

    def perform_update(self, serializer):
        person = services.person_update(person=serializer.instance, data=serializer.validated_data)
        serializer.instance = self._with_memberships(person)

    def perform_deactivate(self, obj):
        services.person_deactivate(person=obj)
        self._with_memberships(obj)


@extend_schema_view(
    list=extend_schema(summary="List memberships", description="Memberships at the sites you may view."),
    retrieve=extend_schema(summary="Show a membership"),
    create=extend_schema(
        summary="Create a membership",
        description="Gives a person a role in a function at a site. Needs the permission to add memberships there.",
    ),
    update=extend_schema(summary="Replace a membership", description="A membership never moves to another person."),
    partial_update=extend_schema(
        summary="Update a membership", description="A membership never moves to another person."
    ),
    deactivate=_deactivate_schema(
        "membership",
        "Ends the membership today; it is kept for the history of who held which role.",
        MembershipSerializer,
    ),
)
@extend_schema(tags=["memberships"])
class MembershipViewSet(ScopedModelViewSet):
    queryset = Membership.objects.select_related("person", "site", "function", "role")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ["valid_from", "valid_to", "created_at", "updated_at", "site__code", "person__last_name"]
    # Oldest first by default: a stable order read from the primary key (pages of an integration's full read
    # never sort every visible membership); ``?ordering=site__code`` and the others sort on request.
    ordering = ["id"]

    def perform_create(self, serializer):
        site = serializer.validated_data["site"]
        if not user_can_at_site(self.request.user, "org.add_membership", site):
            raise exceptions.PermissionDenied(f"You may not add memberships at site {site.code}.")
        serializer.instance = services.membership_create(**serializer.validated_data, actor=self.request.user)

    def perform_update(self, serializer):
        site = serializer.validated_data.get("site")
        if site is not None and site != serializer.instance.site:
            if not user_can_at_site(self.request.user, "org.change_membership", site):
                raise exceptions.PermissionDenied(f"You may not move memberships to site {site.code}.")
        serializer.instance = services.membership_update(
            membership=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )

    def perform_deactivate(self, obj):
        services.membership_end(membership=obj)
