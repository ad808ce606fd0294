"""``/api/v1/training/sessions/`` and ``…/attendances/``: instructor-led sessions and attendance, thin adapters.

Every write calls ``training.sessions`` (the same services as the pages). Sessions are created, changed and
cancelled (``POST …/{id}/deactivate/``), never deleted; the trainer closes them. Attendance: enrol (``POST``),
mark (trainer), check in with the session code (the caller), sign "trained" (the attendee, Part 11 ceremony).
Times are ISO-8601: with an offset, or without one meaning the site's local time; answers give UTC and local.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.access.permissions import user_can_any_site, user_sites
from ims.esign.api.serializers import RefusalSerializer, SignatureSerializer
from ims.esign.api.views import sign_through_api
from ims.esign.selectors import viewer_timezone
from ims.org.api.serializers import (
    PersonBriefSerializer,
    ScopedRelatedField,
    StrictInputSerializer,
    StrictSerializer,
)
from ims.org.models import Person, Site
from ims.web.api import ScopedModelViewSet, ScopedPermission

from .. import sessions
from ..models import Attendance, Course, TrainingSession
from ..views_sessions import TrainingSessionFilterSet


class SiteLocalDateTimeField(serializers.DateTimeField):
    """ISO-8601; without an offset it is the session site's local time (made aware in ``validate``)."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and timezone.is_naive(parsed):
                return parsed
        return super().to_internal_value(value)

    def to_representation(self, value):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


# --- Sessions -----------------------------------------------------------------------------------------------


class TrainingSessionSerializer(StrictSerializer):
    course = ScopedRelatedField(queryset=Course.objects.all(), help_text="Course id or code.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code; fixed once created.")
    trainer = ScopedRelatedField(
        queryset=Person.objects.all(),
        lookup_code=False,
        allow_null=True,
        required=False,
        help_text="Person id of an internal trainer; null with `trainer_name` for an external trainer.",
    )
    course_code = serializers.CharField(source="course.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    time_zone = serializers.CharField(source="site.timezone", read_only=True, help_text="The site's time zone.")
    trainer_display = serializers.CharField(read_only=True)
    starts_at = SiteLocalDateTimeField(help_text="ISO-8601; without an offset: the site's local time. Answers: UTC.")
    ends_at = SiteLocalDateTimeField(help_text="ISO-8601; without an offset: the site's local time. Answers: UTC.")
    starts_at_local = serializers.SerializerMethodField(help_text="The start in the site's time zone.")
    ends_at_local = serializers.SerializerMethodField(help_text="The end in the site's time zone.")
    code = serializers.SerializerMethodField(
        help_text="The check-in code: shown to the session's trainer and the site's training managers only."
    )
    enrolled_count = serializers.IntegerField(read_only=True)
    present_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "course",
            "course_code",
            "site",
            "site_code",
            "time_zone",
            "trainer",
            "trainer_name",
            "trainer_organisation",
            "trainer_display",
            "location",
            "starts_at",
            "ends_at",
            "starts_at_local",
            "ends_at_local",
            "capacity",
            "status",
            "code",
            "enrolled_count",
            "present_count",
            "notes",
            "held_at",
            "cancelled_at",
            "cancel_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "held_at", "cancelled_at", "cancel_note", "created_at", "updated_at"]

    def validate(self, attrs):
        site = attrs.get("site") or getattr(self.instance, "site", None)
        if site is not None:
            for name in ("starts_at", "ends_at"):
                value = attrs.get(name)
                if value is not None and timezone.is_naive(value):
                    attrs[name] = timezone.make_aware(value, site.tzinfo)
        return attrs

    @extend_schema_field(serializers.CharField())
    def get_starts_at_local(self, obj) -> str:
        return obj.starts_local.isoformat(timespec="minutes")

    @extend_schema_field(serializers.CharField())
    def get_ends_at_local(self, obj) -> str:
        return obj.ends_local.isoformat(timespec="minutes")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_code(self, obj) -> str | None:
        user = self.context["request"].user if self.context.get("request") else None
        managed, run = self.context.get("manage_sites", set()), self.context.get("run_sites", set())
        if obj.site_id in managed or (user is not None and obj.trainer_id == user.pk and obj.site_id in run):
            return obj.code
        return None


class SessionPermission(ScopedPermission):
    """Closing is for the session's trainer or a manager: the service decides, not ``change``."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) == "close":
            return True
        return super().has_object_permission(request, view, obj)


@extend_schema_view(
    list=extend_schema(summary="List training sessions", description="Sessions of the sites you may view."),
    retrieve=extend_schema(summary="Show a training session"),
    create=extend_schema(
        summary="Plan a training session",
        description="Course offered at the site; an internal trainer (with the run permission at the site) or an "
        "external trainer's name; times in the site's time zone unless an offset is given.",
    ),
    update=extend_schema(summary="Replace a planned session"),
    partial_update=extend_schema(summary="Change a planned session", description="The site never changes."),
    deactivate=extend_schema(
        summary="Cancel a planned session",
        request=None,
        description="The session is kept, cancelled; `change_reason` is required.",
        responses={200: TrainingSessionSerializer},
    ),
)
@extend_schema(tags=["training"])
class TrainingSessionViewSet(ScopedModelViewSet):
    queryset = (
        TrainingSession.objects.select_related("course", "site", "trainer")
        .with_enrolled()
        .order_by("-starts_at", "-pk")
    )
    serializer_class = TrainingSessionSerializer
    filterset_class = TrainingSessionFilterSet
    permission_classes = [SessionPermission]
    ordering_fields = ["starts_at", "created_at", "updated_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is not None and user.is_authenticated:
            context["manage_sites"] = set(user_sites(user, sessions.PERM_CHANGE).values_list("pk", flat=True))
            context["run_sites"] = set(user_sites(user, sessions.PERM_RUN).values_list("pk", flat=True))
        return context

    def _fresh(self, session: TrainingSession) -> TrainingSession:
        return self.queryset.all().get(pk=session.pk)

    def perform_create(self, serializer):
        session = sessions.session_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(session)

    def perform_update(self, serializer):
        session = sessions.session_update(
            actor=self.request.user, session=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self._fresh(session)

    def perform_deactivate(self, obj):
        sessions.session_cancel(actor=self.request.user, session=obj)

    @extend_schema(
        summary="Close a session (trainer)",
        description="Once it has started: people not marked present are recorded absent. The session's trainer "
        "or a training manager of the site.",
        request=None,
        responses={200: TrainingSessionSerializer, 403: OpenApiResponse(description="Not your session.")},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        session = sessions.session_close(actor=request.user, session=self.get_object())
        return Response(self.get_serializer(self._fresh(session)).data)


# --- Attendance ---------------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    """One person in a session: attendance, how it was recorded, and the signed record's manifestation."""

    person = PersonBriefSerializer(read_only=True)
    course = serializers.IntegerField(source="session.course_id", read_only=True)
    course_code = serializers.CharField(source="session.course.code", read_only=True)
    site_code = serializers.CharField(source="session.site.code", read_only=True)
    signature = serializers.SerializerMethodField(
        help_text="The attendee's \u201ctrained\u201d signature, once signed."
    )

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "course",
            "course_code",
            "site_code",
            "person",
            "enrolled_at",
            "enrolled_by",
            "attended",
            "checked_in_by",
            "checked_in_at",
            "marked_by",
            "record",
            "signature",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SignatureSerializer(allow_null=True))
    def get_signature(self, obj) -> dict | None:
        if obj.record_id is None or obj.record.signature_id is None:
            return None
        return SignatureSerializer(obj.record.signature, context=self.context).data


class EnrolSerializer(StrictInputSerializer):
    session = ScopedRelatedField(queryset=TrainingSession.objects.all(), lookup_code=False, help_text="Session id.")
    person = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")


class MarkSerializer(StrictInputSerializer):
    attended = serializers.BooleanField(help_text="true: present; false: absent.")


class CheckInSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=20, help_text="The session code shown by the trainer.")


class SignSerializer(StrictInputSerializer):
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="Your user ID (token clients: always)."
    )
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )


OWN_OR_RUN_ACTIONS = {"mark", "sign"}


class AttendancePermission(ScopedPermission):
    """Enrolling needs ``add_attendance`` or the trainer's run permission at some site; marking and signing are
    authorised by the services (the session's trainer; the attendee)."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) == "create" and request.user and request.user.is_authenticated:
            if getattr(getattr(request, "auth", None), "read_only", False):
                self.message = "This API token is read-only."
                return False
            allowed = user_can_any_site(request.user, sessions.PERM_ENROL) or user_can_any_site(
                request.user, sessions.PERM_RUN
            )
            if not allowed:
                self.message = "You may not enrol people in training sessions."
            return allowed
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in OWN_OR_RUN_ACTIONS:
            return True
        return super().has_object_permission(request, view, obj)


def _refused(error) -> Response:
    return Response({"code": "refused", "detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)


@extend_schema_view(
    list=extend_schema(
        summary="List attendance",
        description="Attendance at the sites where you may view it; your own under `mine`. Filter with `session`.",
    ),
    retrieve=extend_schema(summary="Show an attendance", description="One you may view, your own, or your session's."),
)
@extend_schema(tags=["training"])
class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Attendance.objects.select_related(
        "session__course", "session__site", "person", "record__signature__content_type"
    )
    serializer_class = AttendanceSerializer
    permission_classes = [AttendancePermission]
    filterset_fields = ["session", "attended"]
    ordering_fields = ["enrolled_at", "checked_in_at"]

    def get_queryset(self):
        user = self.request.user
        visible = self.queryset.all().restrict(user, "view")
        if self.action == "list":
            return visible
        return self.queryset.filter(
            Q(person_id=user.pk) | Q(session__trainer_id=user.pk) | Q(pk__in=visible.values("pk"))
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None) if self.request is not None else None
        context["tz"] = viewer_timezone(user)
        return context

    def _answer(self, attendance: Attendance, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=attendance.pk)).data, status=code)

    @extend_schema(
        summary="Enrol a person",
        description="A person of the session's site, in a planned session with a free place (400 otherwise). "
        "Training managers of the site, or the session's trainer.",
        request=EnrolSerializer,
        responses={201: AttendanceSerializer, 400: OpenApiResponse(description="Not enrolled."), 403: None},
    )
    def create(self, request, *args, **kwargs):
        serializer = EnrolSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        attendance = sessions.attendance_enrol(actor=request.user, **serializer.validated_data)
        return self._answer(attendance, status.HTTP_201_CREATED)

    @extend_schema(summary="My attendance", filters=False, responses={200: AttendanceSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def mine(self, request):
        page = self.paginate_queryset(self.queryset.filter(person=request.user).order_by("-session__starts_at"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Mark present or absent (trainer)",
        description="The session's trainer or a training manager; not once the attendee has signed (409).",
        request=MarkSerializer,
        responses={
            200: AttendanceSerializer,
            403: OpenApiResponse(description="Not your session."),
            409: RefusalSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        attendance = self.get_object()
        serializer = MarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attendance = sessions.attendance_mark(
                actor=request.user, attendance=attendance, attended=serializer.validated_data["attended"]
            )
        except sessions.SessionRefused as error:
            return _refused(error)
        return self._answer(attendance)

    @extend_schema(
        summary="Check in with the session code",
        description="Records you (the caller) present. The code is valid from 30 minutes before the start to 30 "
        "minutes after the end; a wrong or expired code answers 400 and records nothing. A person of the site who "
        "is not enrolled is enrolled as a walk-in when a place is free.",
        request=CheckInSerializer,
        responses={200: AttendanceSerializer, 400: OpenApiResponse(description="Wrong or expired code.")},
    )
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = sessions.attendance_check_in(actor=request.user, code=serializer.validated_data["code"])
        return self._answer(attendance)

    @extend_schema(
        summary="Sign \u201ctrained\u201d after the session (attendee)",
        description="Your own attendance, recorded present, with an open assignment of the course: creates the "
        "training record (method: session) and closes the assignment. 401: wrong password; 403: not certified or "
        "not yours; 409: cannot be signed (not present, already signed, nothing assigned); 423: signing locked.",
        request=SignSerializer,
        responses={
            200: AttendanceSerializer,
            400: RefusalSerializer,
            401: RefusalSerializer,
            403: RefusalSerializer,
            409: RefusalSerializer,
            423: RefusalSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        attendance = self.get_object()
        if attendance.person_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the attendee signs their own training.")
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = sign_through_api(
            request, sessions.attendance_sign, refused=sessions.SessionRefused, attendance=attendance
        )
        if refusal is not None:
            return refusal
        return self._answer(attendance)
