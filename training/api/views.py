"""REST endpoints of training (``/api/v1/training/…``): thin adapters over ``training.catalogue`` and ``services``.

The base viewset scopes every read with ``restrict()``, refuses DELETE (405) and offers ``POST …/deactivate/``.
Requirements are created and deactivated, never edited (assignments follow both at once). Assignments are created
by hand here (automatic ones come from the requirements) and withdrawn with a note. Records are read-only: they
are written by the trainee's "trained" signature. A person also reads their own assignments and records.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.esign.selectors import viewer_timezone
from ims.web.api import ScopedModelViewSet

from .. import catalogue, services
from ..filtersets import (
    AssignmentFilterSet,
    CourseFilterSet,
    CourseMaterialFilterSet,
    CurriculumFilterSet,
    TrainingRecordFilterSet,
    TrainingRequirementFilterSet,
)
from ..models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentWithdrawSerializer,
    CourseMaterialSerializer,
    CourseSerializer,
    CurriculumSerializer,
    TrainingRecordSerializer,
    TrainingRequirementSerializer,
)

TAGS = ["training"]


class FreshMixin:
    """Answer with the row read again through the viewset's queryset (select/prefetch applied)."""

    def fresh(self, obj):
        return self.get_queryset().get(pk=obj.pk)


@extend_schema_view(
    list=extend_schema(summary="List courses", description="Courses offered at the sites you may view."),
    retrieve=extend_schema(summary="Show a course", description="With its materials and linked documents."),
    create=extend_schema(summary="Create a course", description="You need the right to add courses at each site."),
    update=extend_schema(summary="Replace a course"),
    partial_update=extend_schema(
        summary="Update a course",
        description="The code never changes. Changing the linked documents brings the assignments in line.",
    ),
    deactivate=extend_schema(
        summary="Deactivate a course",
        request=None,
        description="The course is kept; its open automatic assignments are cancelled (reason kept).",
        responses={200: CourseSerializer},
    ),
)
@extend_schema(tags=TAGS)
class CourseViewSet(FreshMixin, ScopedModelViewSet):
    queryset = Course.objects.prefetch_related("sites", "documents", "materials")
    serializer_class = CourseSerializer
    filterset_class = CourseFilterSet
    ordering_fields = ["code", "title", "created_at", "updated_at"]

    def perform_create(self, serializer):
        course = catalogue.course_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.fresh(course)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("code", None)
        course = catalogue.course_update(actor=self.request.user, course=serializer.instance, data=data)
        serializer.instance = self.fresh(course)

    def perform_deactivate(self, obj):
        catalogue.course_deactivate(actor=self.request.user, course=obj)


@extend_schema_view(
    list=extend_schema(summary="List course materials"),
    retrieve=extend_schema(summary="Show a course material"),
    create=extend_schema(summary="Add a link to a course", description="Files are uploaded on the course's page."),
    update=extend_schema(summary="Replace a course material"),
    partial_update=extend_schema(summary="Update a course material"),
    deactivate=extend_schema(
        summary="Withdraw a course material", request=None, responses={200: CourseMaterialSerializer}
    ),
)
@extend_schema(tags=TAGS)
class CourseMaterialViewSet(FreshMixin, ScopedModelViewSet):
    queryset = CourseMaterial.objects.select_related("course")
    serializer_class = CourseMaterialSerializer
    filterset_class = CourseMaterialFilterSet
    ordering_fields = ["title", "updated_at"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        material = catalogue.material_create(actor=self.request.user, course=data.pop("course"), **data)
        serializer.instance = self.fresh(material)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("course", serializer.instance.course) != serializer.instance.course:
            raise exceptions.ValidationError({"course": ["A material stays with its course."]})
        data.pop("course", None)
        material = catalogue.material_update(actor=self.request.user, material=serializer.instance, data=data)
        serializer.instance = self.fresh(material)

    def perform_deactivate(self, obj):
        catalogue.material_deactivate(actor=self.request.user, material=obj)


@extend_schema_view(
    list=extend_schema(summary="List curricula"),
    retrieve=extend_schema(summary="Show a curriculum"),
    create=extend_schema(summary="Create a curriculum"),
    update=extend_schema(summary="Replace a curriculum"),
    partial_update=extend_schema(
        summary="Update a curriculum", description="Changing its courses brings the assignments in line."
    ),
    deactivate=extend_schema(
        summary="Deactivate a curriculum",
        request=None,
        description="The curriculum is kept and no longer required.",
        responses={200: CurriculumSerializer},
    ),
)
@extend_schema(tags=TAGS)
class CurriculumViewSet(FreshMixin, ScopedModelViewSet):
    queryset = Curriculum.objects.prefetch_related("sites", "courses")
    serializer_class = CurriculumSerializer
    filterset_class = CurriculumFilterSet
    ordering_fields = ["code", "title", "updated_at"]

    def perform_create(self, serializer):
        curriculum = catalogue.curriculum_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.fresh(curriculum)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("code", None)
        curriculum = catalogue.curriculum_update(actor=self.request.user, curriculum=serializer.instance, data=data)
        serializer.instance = self.fresh(curriculum)

    def perform_deactivate(self, obj):
        catalogue.curriculum_deactivate(actor=self.request.user, curriculum=obj)


@extend_schema_view(
    list=extend_schema(summary="List training requirements"),
    retrieve=extend_schema(summary="Show a training requirement"),
    create=extend_schema(
        summary="Require a course or curriculum",
        description="Site × function (or all) × role (or all) → a course or a curriculum. The people in scope "
        "are assigned at once.",
    ),
    deactivate=extend_schema(
        summary="Deactivate a training requirement",
        request=None,
        description="Open automatic assignments no other requirement asks for are cancelled (reason kept).",
        responses={200: TrainingRequirementSerializer},
    ),
)
@extend_schema(tags=TAGS)
class TrainingRequirementViewSet(FreshMixin, ScopedModelViewSet):
    """Created and deactivated, never edited: a different requirement is a new one."""

    queryset = TrainingRequirement.objects.select_related("site")
    serializer_class = TrainingRequirementSerializer
    filterset_class = TrainingRequirementFilterSet
    ordering_fields = ["created_at", "updated_at"]
    http_method_names = ["get", "post", "head", "options", "delete"]

    def perform_create(self, serializer):
        requirement = services.requirement_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.fresh(requirement)

    def perform_deactivate(self, obj):
        services.requirement_deactivate(actor=self.request.user, requirement=obj)


class OwnRowsMixin:
    """Lists follow ``restrict()``; a single row is readable by its own person as well."""

    def get_queryset(self):
        visible = self.queryset.all().restrict(self.request.user, "view")
        if self.action == "list":
            return visible
        return self.queryset.filter(Q(person_id=self.request.user.pk) | Q(pk__in=visible.values("pk")))


@extend_schema_view(
    list=extend_schema(
        summary="List training assignments",
        description="Filters: site, course, person, status, reason, overdue, due_before.",
    ),
    retrieve=extend_schema(summary="Show a training assignment", description="One you may view, or your own."),
    create=extend_schema(
        summary="Assign a course by hand",
        description="Reason: manual. The person may not already have the course open.",
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer},
    ),
    deactivate=extend_schema(
        summary="Withdraw a training assignment (reason as note)",
        request=None,
        description="Like …/withdraw/: the `change_reason` becomes the note.",
        responses={200: AssignmentSerializer},
    ),
)
@extend_schema(tags=TAGS)
class AssignmentViewSet(OwnRowsMixin, FreshMixin, ScopedModelViewSet):
    queryset = Assignment.objects.select_related("person", "course", "site")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    ordering_fields = ["due_date", "created_at", "completed_at"]
    http_method_names = ["get", "post", "head", "options", "delete"]

    def create(self, request, *args, **kwargs):
        serializer = AssignmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_create_manual(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.fresh(assignment)).data, status=status.HTTP_201_CREATED)

    def perform_deactivate(self, obj):
        services.assignment_withdraw(actor=self.request.user, assignment=obj, note=current_audit_context()["reason"])

    @extend_schema(
        summary="Withdraw a training assignment",
        description="Only an open assignment; the note is required and kept on it (cancel reason: withdrawn).",
        request=AssignmentWithdrawSerializer,
        responses={
            200: AssignmentSerializer,
            400: OpenApiResponse(description="No note, or the assignment is not open."),
            403: OpenApiResponse(description="You may not change assignments at its site."),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        assignment = self.get_object()
        serializer = AssignmentWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        with audit_context(reason=note):
            services.assignment_withdraw(actor=request.user, assignment=assignment, note=note)
        return Response(self.get_serializer(self.fresh(assignment)).data)


@extend_schema_view(
    list=extend_schema(summary="List training records"),
    retrieve=extend_schema(
        summary="Show a training record", description="One you may view, or your own; with its signature."
    ),
)
@extend_schema(tags=TAGS)
class TrainingRecordViewSet(OwnRowsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only: a record is written by the trainee's "trained" signature, never through the API."""

    queryset = TrainingRecord.objects.select_related("person", "course", "site", "signature__content_type")
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingRecordFilterSet
    ordering_fields = ["completed_on", "valid_until", "created_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None) if self.request is not None else None
        context["tz"] = viewer_timezone(user)
        return context
