"""API of internal audits (``/api/v1/audits/…``): thin adapters over ``audits.services`` and ``selectors``.

Lists hold the rows of the caller's sites only; updates need a reason for change (``change_reason``) and
If-Match; reschedule, cancel and assign need a ``reason``; signatures take the user ID and password in the body.
Nothing is ever deleted (``DELETE`` answers 405).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.access.permissions import user_can_any_site
from ims.audit.context import audit_context
from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.web.api import ScopedModelViewSet

from .. import selectors, services
from ..filtersets import AuditFilterSet, AuditProgrammeFilterSet, ChecklistItemFilterSet, FindingFilterSet
from ..models import Audit, AuditProgramme, ChecklistItem, Finding
from .serializers import (
    AreaSerializer,
    AssignSerializer,
    AuditProgrammeSerializer,
    AuditSerializer,
    AuditSignSerializer,
    ChecklistItemSerializer,
    FindingSerializer,
    RaiseCapaSerializer,
    ReasonSerializer,
    RescheduleSerializer,
    TrendsSerializer,
)

TAGS = ["audits"]
REFUSED = {
    400: OpenApiResponse(description="Bad input (e.g. a missing reason, an auditor of their own function)."),
    403: OpenApiResponse(description="Not permitted at the audit's site."),
    409: OpenApiResponse(RefusalSerializer, description="Not allowed in the audit's status."),
}


def _refused(error: ValidationError) -> Response:
    code = getattr(error, "code", None) or "not_allowed"
    if hasattr(error, "error_dict"):
        return Response(error.message_dict, status=400)
    return Response({"code": code, "detail": " ".join(error.messages)}, status=409)


@extend_schema_view(
    list=extend_schema(summary="List audit programmes"),
    retrieve=extend_schema(summary="Show an audit programme with its areas"),
    create=extend_schema(summary="Create an audit programme (year and sites)"),
    update=extend_schema(summary="Replace an audit programme"),
    partial_update=extend_schema(summary="Change an audit programme"),
    deactivate=extend_schema(summary="Deactivate an audit programme (it plans nothing more)", request=None),
)
@extend_schema(tags=TAGS)
class AuditProgrammeViewSet(ScopedModelViewSet):
    queryset = AuditProgramme.objects.prefetch_related("sites", "areas").order_by("-year", "title", "pk")
    serializer_class = AuditProgrammeSerializer
    filterset_class = AuditProgrammeFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.programme_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.programme_update(
            actor=self.request.user, programme=serializer.instance, changes=dict(serializer.validated_data)
        )

    def perform_deactivate(self, obj) -> None:
        services.programme_deactivate(actor=self.request.user, programme=obj)

    @extend_schema(summary="Add an audited area", request=AreaSerializer, responses={201: AreaSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def areas(self, request, pk=None):
        programme = self.get_object()
        body = AreaSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            area = services.area_add(actor=request.user, programme=programme, **body.validated_data)
        except ValidationError as error:
            return _refused(error)
        return Response(AreaSerializer(area).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="List audits", description="Filter by site, status, programme, planned dates, mine."),
    retrieve=extend_schema(summary="Show an audit"),
    create=extend_schema(
        summary="Plan an audit",
        description="Scope (processes, clauses) and team; the auditors must be independent "
        "of the audited functions and hold a current internal-auditor training record.",
    ),
    update=extend_schema(summary="Replace an audit's title and scope note"),
    partial_update=extend_schema(summary="Change an audit's title and scope note"),
    deactivate=extend_schema(summary="Cancel an audit (change_reason is the reason)", request=None),
)
@extend_schema(tags=TAGS)
class AuditViewSet(ScopedModelViewSet):
    queryset = (
        Audit.objects.select_related("site", "lead_auditor")
        .prefetch_related("processes", "clauses", "auditors", "auditees")
        .order_by("planned_date", "pk")
    )
    serializer_class = AuditSerializer
    filterset_class = AuditFilterSet
    #: Steps whose service decides who may take them (the audit team, an auditee, the approver), not "change".
    SERVICE_AUTHORISED = frozenset({"start", "complete", "acknowledge", "approve"})

    def check_object_permissions(self, request, obj):
        if self.action in self.SERVICE_AUTHORISED:
            return None
        return super().check_object_permissions(request, obj)

    def _fresh(self, audit):
        return AuditSerializer(self.queryset.all().get(pk=audit.pk), context={"request": self.request}).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.audit_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        fixed = set(changes) - {"title", "scope_note"}
        if fixed:
            raise exceptions.ValidationError(
                {name: ["Changed through its own step (reschedule, assign) or fixed."] for name in sorted(fixed)}
            )
        serializer.instance = services.audit_update(actor=self.request.user, audit=serializer.instance, changes=changes)

    def perform_deactivate(self, obj) -> None:
        services.audit_cancel(actor=self.request.user, audit=obj, reason=self.change_reason(self.request))

    def _step(self, request, body_class, call):
        audit = self.get_object()
        body = body_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            call(audit, dict(body.validated_data))
        except ValidationError as error:
            return _refused(error)
        return Response(self._fresh(audit))

    @extend_schema(summary="Reschedule a planned audit (reason required)", request=RescheduleSerializer,
                   responses={200: AuditSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        def call(audit, d):
            reason = d.pop("reason", "")
            services.audit_reschedule(actor=request.user, audit=audit, reason=reason, **d)

        return self._step(request, RescheduleSerializer, call)

    @extend_schema(summary="Cancel an audit (reason required)", request=ReasonSerializer,
                   responses={200: AuditSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._step(
            request, ReasonSerializer,
            lambda audit, d: services.audit_cancel(actor=request.user, audit=audit, reason=d.get("reason", "")),
        )  # fmt: skip

    @extend_schema(
        summary="Assign the audit team (reason required)",
        description="Lead auditor, co-auditors, auditees. Nobody audits their own function; auditors need a "
        "current internal-auditor training record.",
        request=AssignSerializer,
        responses={200: AuditSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        def call(audit, d):
            kwargs = {k: d[k] for k in ("lead_auditor", "auditors", "auditees") if k in d}
            services.audit_assign(actor=request.user, audit=audit, reason=d.get("reason", ""), **kwargs)

        return self._step(request, AssignSerializer, call)

    @extend_schema(summary="Start an audit (generates the checklist)", request=None,
                   responses={200: AuditSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        audit = self.get_object()
        try:
            services.audit_start(actor=request.user, audit=audit)
        except ValidationError as error:
            return _refused(error)
        return Response(self._fresh(audit))

    def _sign(self, request, service, **extra):
        audit = self.get_object()
        AuditSignSerializer(data=request.data).is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else {}
        refusal = sign_through_api(
            request, service, refused=ValidationError, audit=audit, reason=data.get("reason", ""), **extra
        )
        return refusal or Response(self._fresh(audit))

    SIGN_RESPONSES = {200: AuditSerializer, 401: OpenApiResponse(RefusalSerializer), **REFUSED}

    @extend_schema(summary="Sign the report as lead auditor (authored)", request=AuditSignSerializer,
                   responses=SIGN_RESPONSES)  # fmt: skip
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = request.data if hasattr(request.data, "get") else {}
        summary = data.get("summary")
        return self._sign(request, services.audit_complete, **({"summary": summary} if summary is not None else {}))

    @extend_schema(summary="Acknowledge the report as auditee", request=AuditSignSerializer, responses=SIGN_RESPONSES)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._sign(request, services.audit_acknowledge)

    @extend_schema(summary="Approve the report (quality manager, not the audit team)", request=AuditSignSerializer,
                   responses=SIGN_RESPONSES)  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._sign(request, services.audit_approve)


@extend_schema_view(
    list=extend_schema(summary="List checklist questions", description="Filter by audit and result."),
    retrieve=extend_schema(summary="Show a checklist question and its answer"),
    update=extend_schema(summary="Answer a checklist question"),
    partial_update=extend_schema(
        summary="Answer a checklist question", description="Result and/or notes; saved on its own."
    ),
)
@extend_schema(tags=TAGS)
class ChecklistItemViewSet(ScopedModelViewSet):
    queryset = ChecklistItem.objects.prefetch_related("files").order_by("audit", "position")
    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilterSet

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail="The checklist is generated when the audit starts.")

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A question is answered, never deactivated.")

    def perform_update(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.item_answer(
                actor=self.request.user, item=serializer.instance, result=data.get("result"), notes=data.get("notes")
            )
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)

    @extend_schema(summary="Answer a checklist question", request=ChecklistItemSerializer,
                   responses={200: ChecklistItemSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        item = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        unknown = set(data) - {"result", "notes"}
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        try:
            with audit_context(reason="Checklist answered through the API"):
                item = services.item_answer(
                    actor=request.user, item=item, result=data.get("result"), notes=data.get("notes")
                )
        except ValidationError as error:
            return _refused(error)
        return Response(ChecklistItemSerializer(self.queryset.all().get(pk=item.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="List findings", description="Filter by site, audit, grade, clause, process, dates."),
    retrieve=extend_schema(summary="Show a finding"),
    create=extend_schema(summary="Raise a finding", description="On a clause of the audit's scope."),
    update=extend_schema(summary="Replace a finding"),
    partial_update=extend_schema(summary="Change a finding (while the audit is in progress)"),
    deactivate=extend_schema(summary="Cancel a finding (change_reason is the reason)", request=None),
)
@extend_schema(tags=TAGS)
class FindingViewSet(ScopedModelViewSet):
    queryset = Finding.objects.select_related("audit", "clause", "process").order_by("-raised_on", "-pk")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.finding_raise(actor=self.request.user, **data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        if "audit" in changes and changes.pop("audit").pk != serializer.instance.audit_id:
            raise exceptions.ValidationError({"audit": ["Fixed."]})
        changes.pop("checklist_item", None)
        serializer.instance = services.finding_update(
            actor=self.request.user, finding=serializer.instance, changes=changes
        )

    def perform_deactivate(self, obj) -> None:
        services.finding_cancel(actor=self.request.user, finding=obj, reason=self.change_reason(self.request))

    @extend_schema(
        summary="Raise a CAPA for the finding",
        description="Through the kernel's action registry (kind `capa` when the CAPA app is installed).",
        request=RaiseCapaSerializer,
        responses={200: FindingSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"], url_path="raise-capa")
    def raise_capa(self, request, pk=None):
        finding = self.get_object()
        body = RaiseCapaSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            updated = services.finding_raise_capa(actor=request.user, finding=finding, **body.validated_data)
        except ValidationError as error:
            return _refused(error)
        return Response(FindingSerializer(self.queryset.all().get(pk=updated.pk)).data)


class TrendsApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Finding trends",
        description="Findings of your sites by grade, clause (Pareto), quarter × grade, process and site, and the "
        "clauses with findings in two quarters or audits or more.",
        parameters=[
            OpenApiParameter("site", int, many=True),
            OpenApiParameter("since", str, description="YYYY-MM-DD"),
            OpenApiParameter("until", str, description="YYYY-MM-DD"),
            OpenApiParameter("grade", str, many=True),
            OpenApiParameter("standard", int),
        ],
        responses={200: TrendsSerializer},
    )
    def get(self, request):
        import dataclasses
        import datetime

        if not user_can_any_site(request.user, "audits.view_finding"):
            raise exceptions.PermissionDenied("You may not see audit findings.")

        def day(name):
            try:
                return datetime.date.fromisoformat(request.query_params.get(name, ""))
            except ValueError:
                return None

        standard = request.query_params.get("standard", "")
        trends = selectors.finding_trends(
            user=request.user,
            site_ids=[int(v) for v in request.query_params.getlist("site") if v.isdigit()],
            since=day("since"),
            until=day("until"),
            grades=request.query_params.getlist("grade"),
            standard_id=int(standard) if standard.isdigit() else None,
        )
        return Response(TrendsSerializer(dataclasses.asdict(trends)).data)
