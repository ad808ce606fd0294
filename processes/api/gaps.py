"""API of gap analysis (``/api/v1/processes/…``): gap assessments, their clause results, statements of
applicability and their entries. Thin adapters over ``processes.gaps`` and ``processes.applicability``.

Every list holds the rows of the caller's sites only (another site's record answers 404); updates need a
reason for change (``change_reason``) and ``If-Match``; approvals are electronic signatures (user ID and
password in the body, channel API), like the signing pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.actions.registry import DEFAULT_KIND
from ims.audit.context import audit_context
from ims.documents.models import ControlledDocument
from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.org.api.serializers import (
    PersonBriefSerializer,
    ScopedRelatedField,
    StrictInputSerializer,
    StrictSerializer,
)
from ims.org.models import Person, Site
from ims.web.api import ScopedModelViewSet

from .. import applicability, gap_selectors, gaps
from ..filtersets_gaps import (
    ApplicabilityEntryFilterSet,
    ApplicabilityStatementFilterSet,
    ClauseResultFilterSet,
    GapAssessmentFilterSet,
)
from ..models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    ClauseResult,
    GapAssessment,
    Process,
    ResultStatus,
    Standard,
)

TAGS = ["processes: gap analysis"]


class GapSignSerializer(StrictInputSerializer):
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="Your user ID (token clients: always)."
    )
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    conforming = serializers.IntegerField()
    partial = serializers.IntegerField()
    gap = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text="(conforming + ½ partial) ÷ judged results, in %.")


# --- assessments -----------------------------------------------------------------------------------------------


class GapAssessmentSerializer(StrictSerializer):
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes; fixed.")
    standards = serializers.PrimaryKeyRelatedField(
        queryset=Standard.objects.filter(is_active=True), many=True, help_text="Standard ids; fixed."
    )
    lead_assessor = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False)
    lead_assessor_detail = PersonBriefSerializer(source="lead_assessor", read_only=True)
    based_on = ScopedRelatedField(
        queryset=GapAssessment.objects.all(),
        lookup_code=False,
        required=False,
        allow_null=True,
        help_text="An earlier assessment whose answers and evidence are copied (create only).",
    )

    class Meta:
        model = GapAssessment
        fields = [
            "id",
            "reference",
            "title",
            "sites",
            "standards",
            "lead_assessor",
            "lead_assessor_detail",
            "scope",
            "planned_start",
            "planned_end",
            "status",
            "based_on",
            "started_at",
            "completed_at",
            "results_digest",
            "approved_by",
            "approved_at",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "reference",
            "status",
            "started_at",
            "completed_at",
            "results_digest",
            "approved_by",
            "approved_at",
            "is_active",
            "created_at",
            "updated_at",
        ]


class GapAssessmentDetailSerializer(GapAssessmentSerializer):
    progress = serializers.SerializerMethodField(help_text="Counts of the results and the conformity score.")

    class Meta(GapAssessmentSerializer.Meta):
        fields = [*GapAssessmentSerializer.Meta.fields, "progress"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj) -> dict:
        return ProgressSerializer(gap_selectors.assessment_progress(obj).overall).data


TRANSITION_RESPONSES = {
    200: GapAssessmentDetailSerializer,
    403: OpenApiResponse(description="Not permitted at every site of the assessment."),
    409: OpenApiResponse(RefusalSerializer, description="Not allowed in its status (e.g. unanswered clauses)."),
}


@extend_schema_view(
    list=extend_schema(summary="List gap assessments", description="Assessments of the sites you may view."),
    retrieve=extend_schema(summary="Show a gap assessment with its progress"),
    create=extend_schema(
        summary="Plan a gap assessment",
        description="One site or a campaign over several; one result per site and leaf clause of the standards is "
        "created (clauses the site's approved statement of applicability excludes come pre-filled as not "
        "applicable); `based_on` copies an earlier assessment's answers and evidence.",
    ),
    update=extend_schema(summary="Replace the plan of a gap assessment"),
    partial_update=extend_schema(
        summary="Change the plan of a gap assessment",
        description="Title, scope, dates, lead assessor; until completed. Sites and standards are fixed.",
    ),
    deactivate=extend_schema(
        summary="Withdraw a draft gap assessment",
        request=None,
        description="Only a draft; it is kept, inactive. `change_reason` is required.",
        responses={200: GapAssessmentDetailSerializer},
    ),
)
@extend_schema(tags=TAGS)
class GapAssessmentViewSet(ScopedModelViewSet):
    queryset = (
        GapAssessment.objects.select_related("lead_assessor")
        .prefetch_related("sites", "standards")
        .order_by("-planned_start", "-pk")
    )
    serializer_class = GapAssessmentSerializer
    filterset_class = GapAssessmentFilterSet

    def get_serializer_class(self):
        return GapAssessmentSerializer if self.action == "list" else GapAssessmentDetailSerializer

    def _fresh(self, assessment: GapAssessment) -> GapAssessment:
        return self.queryset.all().get(pk=assessment.pk)

    def perform_create(self, serializer):
        assessment = gaps.assessment_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(assessment)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        for fixed in ("sites", "standards", "based_on"):
            if fixed in changes:
                raise exceptions.ValidationError({fixed: ["Fixed once the assessment is planned."]})
        assessment = gaps.assessment_update(actor=self.request.user, assessment=serializer.instance, changes=changes)
        serializer.instance = self._fresh(assessment)

    def perform_deactivate(self, obj) -> None:
        gaps.assessment_withdraw(actor=self.request.user, assessment=obj)

    def _transition(self, request, service):
        assessment = self.get_object()
        try:
            service(actor=request.user, assessment=assessment)
        except ValidationError as error:
            code = getattr(error, "code", None) or "not_allowed"
            return Response({"code": code, "detail": " ".join(error.messages)}, status=409)
        return Response(GapAssessmentDetailSerializer(self._fresh(assessment), context={"request": request}).data)

    @extend_schema(summary="Start a gap assessment (draft → in progress)", request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, gaps.assessment_start)

    @extend_schema(
        summary="Complete a gap assessment (in progress → completed)",
        description="Refused (409, `unanswered`) while a clause is unanswered; fixes the results digest.",
        request=None,
        responses=TRANSITION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(request, gaps.assessment_complete)

    @extend_schema(
        summary="Approve a gap assessment with an electronic signature",
        description="Completed → approved, signed \u201capproved\u201d over the results digest. Not by the lead "
        "assessor. User ID and password in the body (token clients: always the user ID).",
        request=GapSignSerializer,
        responses={
            **TRANSITION_RESPONSES,
            401: OpenApiResponse(RefusalSerializer, description="Wrong credentials; nothing signed."),
            423: OpenApiResponse(RefusalSerializer, description="Signing locked."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        assessment = self.get_object()
        GapSignSerializer(data=request.data).is_valid(raise_exception=True)
        refusal = sign_through_api(
            request,
            gaps.assessment_approve,
            refused=ValidationError,
            assessment=assessment,
            reason=request.data.get("reason", "") if hasattr(request.data, "get") else "",
        )
        if refusal is not None:
            return refusal
        return Response(GapAssessmentDetailSerializer(self._fresh(assessment), context={"request": request}).data)


# --- clause results --------------------------------------------------------------------------------------------


class ClauseResultSerializer(StrictSerializer):
    site_code = serializers.CharField(source="site.code", read_only=True)
    standard = serializers.IntegerField(source="clause.standard_id", read_only=True)
    clause_number = serializers.CharField(source="clause.number", read_only=True)
    clause_title = serializers.CharField(source="clause.title", read_only=True)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    evidence_documents = ScopedRelatedField(queryset=ControlledDocument.objects.all(), many=True, required=False)
    evidence_processes = ScopedRelatedField(queryset=Process.objects.all(), many=True, required=False)
    status = serializers.ChoiceField(
        choices=ResultStatus.choices, allow_blank=True, required=False, help_text="Blank: not answered yet."
    )

    class Meta:
        model = ClauseResult
        fields = [
            "id",
            "assessment",
            "site",
            "site_code",
            "clause",
            "standard",
            "clause_number",
            "clause_title",
            "status",
            "justification",
            "finding",
            "evidence_documents",
            "evidence_processes",
            "evidence_records",
            "owner",
            "due_date",
            "action_kind",
            "action_ref",
            "answered_by",
            "answered_at",
            "updated_at",
        ]
        read_only_fields = [
            "assessment",
            "site",
            "clause",
            "action_kind",
            "action_ref",
            "answered_by",
            "answered_at",
            "updated_at",
        ]
        extra_kwargs = {"justification": {"required": False}}

    def validate(self, attrs):
        return attrs  # the service validates (not applicable needs a justification) with its own messages


class RaiseActionSerializer(StrictInputSerializer):
    kind = serializers.CharField(required=False, default=DEFAULT_KIND, help_text="A registered kind of action.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(
        summary="List clause results",
        description="Filter by assessment, site, standard and result (blank: unanswered).",
    ),
    retrieve=extend_schema(summary="Show a clause result"),
    update=extend_schema(summary="Record a clause result"),
    partial_update=extend_schema(
        summary="Record a clause result",
        description="While the assessment is in progress. Not applicable needs a justification; "
        "`change_reason` and If-Match are required.",
    ),
)
@extend_schema(tags=TAGS)
class ClauseResultViewSet(ScopedModelViewSet):
    queryset = (
        ClauseResult.objects.select_related("site", "clause")
        .prefetch_related("evidence_documents", "evidence_processes")
        .order_by("assessment", "site__code", "clause__standard", "clause__position")
    )
    serializer_class = ClauseResultSerializer
    filterset_class = ClauseResultFilterSet

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail="Results are created with their assessment.")

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A result is answered, never deactivated.")

    def perform_update(self, serializer):
        serializer.instance = gaps.result_record(
            actor=self.request.user, result=serializer.instance, data=dict(serializer.validated_data)
        )

    @extend_schema(
        summary="Raise an action for a gap or partial result",
        description="Through the kernel's registry of action kinds (default: a tracked action).",
        request=RaiseActionSerializer,
        responses={200: ClauseResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="raise-action")
    def raise_action(self, request, pk=None):
        result = self.get_object()
        body = RaiseActionSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with audit_context(reason="Action raised through the API"):
            updated = gaps.result_raise_action(actor=request.user, result=result, **body.validated_data)
        return Response(ClauseResultSerializer(self.queryset.all().get(pk=updated.pk)).data)


# --- statements of applicability -------------------------------------------------------------------------------


class ApplicabilityStatementSerializer(StrictSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    standards = serializers.PrimaryKeyRelatedField(
        queryset=Standard.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text="Empty: those of the site's current statement.",
    )
    source_assessment = ScopedRelatedField(
        queryset=GapAssessment.objects.all(), lookup_code=False, required=False, allow_null=True
    )

    class Meta:
        model = ApplicabilityStatement
        fields = [
            "id",
            "site",
            "number",
            "status",
            "standards",
            "source_assessment",
            "change_summary",
            "entries_digest",
            "approved_by",
            "approved_at",
            "superseded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "entries_digest",
            "approved_by",
            "approved_at",
            "superseded_at",
            "created_at",
            "updated_at",
        ]


@extend_schema_view(
    list=extend_schema(summary="List statements of applicability"),
    retrieve=extend_schema(summary="Show a statement of applicability"),
    create=extend_schema(
        summary="Draft the next version of a site's statement",
        description="Copied from the approved one (or every leaf clause of the standards, applicable); "
        "`source_assessment` takes over a completed assessment's not-applicable results.",
    ),
    update=extend_schema(summary="Change a draft statement's summary"),
    partial_update=extend_schema(summary="Change a draft statement's summary"),
)
@extend_schema(tags=TAGS)
class ApplicabilityStatementViewSet(ScopedModelViewSet):
    queryset = (
        ApplicabilityStatement.objects.select_related("site")
        .prefetch_related("standards")
        .order_by("site__code", "-number")
    )
    serializer_class = ApplicabilityStatementSerializer
    filterset_class = ApplicabilityStatementFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        statement = applicability.statement_draft_create(
            actor=self.request.user,
            site=data["site"],
            standards=data.get("standards"),
            source_assessment=data.get("source_assessment"),
            change_summary=data.get("change_summary", ""),
        )
        serializer.instance = self.queryset.all().get(pk=statement.pk)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        if set(changes) - {"change_summary"}:
            raise exceptions.ValidationError({"detail": ["Only the change summary of a draft is changed here."]})
        serializer.instance = applicability.statement_update(
            actor=self.request.user, statement=serializer.instance, change_summary=changes.get("change_summary", "")
        )

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A statement is superseded by its next version.")

    @extend_schema(
        summary="Approve a draft statement with an electronic signature",
        description="Signed \u201capproved\u201d over the entries digest; the previous approved version is superseded.",
        request=GapSignSerializer,
        responses={
            200: ApplicabilityStatementSerializer,
            401: OpenApiResponse(RefusalSerializer, description="Wrong credentials; nothing signed."),
            409: OpenApiResponse(RefusalSerializer, description="Not a draft."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        statement = self.get_object()
        GapSignSerializer(data=request.data).is_valid(raise_exception=True)
        refusal = sign_through_api(
            request,
            applicability.statement_approve,
            refused=ValidationError,
            statement=statement,
            reason=request.data.get("reason", "") if hasattr(request.data, "get") else "",
        )
        if refusal is not None:
            return refusal
        return Response(ApplicabilityStatementSerializer(self.queryset.all().get(pk=statement.pk)).data)


class ApplicabilityEntrySerializer(StrictSerializer):
    standard = serializers.IntegerField(source="clause.standard_id", read_only=True)
    clause_number = serializers.CharField(source="clause.number", read_only=True)
    clause_title = serializers.CharField(source="clause.title", read_only=True)

    class Meta:
        model = ApplicabilityEntry
        fields = [
            "id",
            "statement",
            "clause",
            "standard",
            "clause_number",
            "clause_title",
            "applicable",
            "justification",
            "updated_at",
        ]
        read_only_fields = ["statement", "clause", "updated_at"]
        extra_kwargs = {"justification": {"required": False}}

    def validate(self, attrs):
        return attrs  # the service validates (an exclusion needs a justification)


@extend_schema_view(
    list=extend_schema(summary="List entries of statements of applicability"),
    retrieve=extend_schema(summary="Show an entry of a statement of applicability"),
    update=extend_schema(summary="Include or exclude a clause (draft statements)"),
    partial_update=extend_schema(
        summary="Include or exclude a clause (draft statements)",
        description="An exclusion needs a justification; `change_reason` and If-Match are required.",
    ),
)
@extend_schema(tags=TAGS)
class ApplicabilityEntryViewSet(ScopedModelViewSet):
    queryset = ApplicabilityEntry.objects.select_related("clause").order_by(
        "statement", "clause__standard", "clause__position"
    )
    serializer_class = ApplicabilityEntrySerializer
    filterset_class = ApplicabilityEntryFilterSet

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail="Entries are created with their statement.")

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="Exclude the clause instead.")

    def perform_update(self, serializer):
        entry = serializer.instance
        data = serializer.validated_data
        serializer.instance = applicability.entry_update(
            actor=self.request.user,
            entry=entry,
            applicable=data.get("applicable", entry.applicable),
            justification=data.get("justification", entry.justification),
        )


def routes(router) -> None:
    """Register this part's viewsets on the app's router."""
    router.register("gap-assessments", GapAssessmentViewSet, basename="processes-gapassessment")
    router.register("clause-results", ClauseResultViewSet, basename="processes-clauseresult")
    router.register(
        "applicability-statements", ApplicabilityStatementViewSet, basename="processes-applicabilitystatement"
    )
    router.register("applicability-entries", ApplicabilityEntryViewSet, basename="processes-applicabilityentry")
