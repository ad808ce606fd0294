"""``/api/v1/training/…`` for competency assessments: attempts (start, read, submit, sign), the question bank
(read-only, for the people who keep it) and the trainer's practical sign-off.

No serializer of an attempt carries ``is_correct``: a trainee reads the drawn questions and choices only, and after
submission the score and the result. Writes go through ``training.assessments``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.esign.api.views import sign_through_api
from ims.web.input import reject_unknown_fields

from .. import assessments
from ..models import Assignment, Attempt, Choice, Question, TrainingRecord
from ..services import TrainingRefused

NOT_YOURS = "This attempt is somebody else's."


def _refused(error: TrainingRefused) -> Response:
    return Response({"code": error.code, "detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class ShownChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ShownQuestionSerializer(serializers.Serializer):
    """A drawn question as the trainee sees it: no answer key."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField(help_text="single or multiple (choice).")
    choices = ShownChoiceSerializer(many=True, help_text="In the order drawn for this attempt.")


class AttemptSerializer(serializers.ModelSerializer):
    """An attempt without answers: who, which course, when, the score and the result once submitted."""

    person_name = serializers.CharField(source="person.display_name", read_only=True)
    course_code = serializers.CharField(source="course.code", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    question_count = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "person",
            "person_name",
            "course",
            "course_code",
            "assignment",
            "site",
            "site_code",
            "started_at",
            "submitted_at",
            "question_count",
            "pass_mark",
            "score",
            "passed",
            "record",
        ]
        read_only_fields = fields

    def get_question_count(self, attempt) -> int:
        return len(attempt.question_ids)


class AttemptDetailSerializer(AttemptSerializer):
    """With the drawn questions and choices while unfinished and yours; never their correctness."""

    questions = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "questions"]
        read_only_fields = fields

    @extend_schema_field(ShownQuestionSerializer(many=True))
    def get_questions(self, attempt) -> list[dict]:
        request = self.context.get("request")
        if attempt.submitted_at is not None or request is None or attempt.person_id != request.user.pk:
            return []
        return ShownQuestionSerializer(assessments.attempt_questions(attempt), many=True).data


class AttemptStartSerializer(StrictSerializer):
    assignment = serializers.IntegerField(help_text="Your open assignment of a course with an assessment.")


class AttemptAnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    choices = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, max_length=50)


class AttemptSubmitSerializer(StrictSerializer):
    answers = AttemptAnswerInputSerializer(
        many=True, help_text="One entry per drawn question; unanswered ones count as wrong."
    )


class AssessmentSignSerializer(StrictSerializer):
    """The Part 11 ceremony; the statement signed is fixed."""

    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="Your user ID: required outside a continuous web session (token clients: always).",
    )
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, help_text="Always required."
    )


class AssessmentRefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField(required=False)


class RecordVerifiedSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRecord
        fields = ["id", "person", "course", "site", "method", "completed_on", "score", "verified_at", "verified_by"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List assessment attempts",
        description="Your own attempts, and those at the sites where you may view training records. Without answers.",
    ),
    retrieve=extend_schema(
        summary="Show an assessment attempt",
        description="While unfinished and yours: the drawn questions and choices in the drawn order, without "
        "their correctness. Once submitted: the score and the result.",
    ),
)
@extend_schema(tags=["training"])
class AttemptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attempts are written only by start (POST list), submit and sign; never changed or deleted otherwise."""

    queryset = Attempt.objects.select_related("person", "course", "site")
    serializer_class = AttemptSerializer
    permission_classes = [IsAuthenticated]
    ordering_fields = ["started_at", "submitted_at", "score"]

    def get_queryset(self):
        visible = assessments.attempts_visible(user=self.request.user)
        return self.queryset.filter(pk__in=visible.values("pk"))

    def get_serializer_class(self):
        return AttemptDetailSerializer if self.action != "list" else AttemptSerializer

    def _own(self) -> Attempt:
        attempt = self.get_object()
        if attempt.person_id != self.request.user.pk:
            raise exceptions.PermissionDenied(NOT_YOURS)
        return attempt

    def _answer(self, attempt: Attempt, code=status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=attempt.pk)
        return Response(AttemptDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Start an assessment attempt",
        description="Draws the questions for your open assignment (or returns your unfinished attempt). "
        "409 `code`: not_open, no_assessment, no_questions, no_retakes_left, passed, unfinished.",
        request=AttemptStartSerializer,
        responses={
            201: AttemptDetailSerializer,
            403: OpenApiResponse(description="Not your assignment."),
            409: AssessmentRefusalSerializer,
        },
    )
    def create(self, request):
        serializer = AttemptStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = get_object_or_404(
            Assignment._base_manager.select_related("course"),
            pk=serializer.validated_data["assignment"],
            person_id=request.user.pk,
        )
        try:
            attempt = assessments.attempt_start(actor=request.user, assignment=assignment)
        except TrainingRefused as error:
            return _refused(error)
        return self._answer(attempt, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the answers of an attempt",
        description="Graded on the server: single choice exact, multiple choice all-or-nothing. The result is "
        "final. 409 `code`: submitted, not_open.",
        request=AttemptSubmitSerializer,
        responses={
            200: AttemptDetailSerializer,
            400: OpenApiResponse(description="An answer outside the attempt."),
            403: OpenApiResponse(description="Somebody else's attempt."),
            409: AssessmentRefusalSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        attempt = self._own()
        serializer = AttemptSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers: dict[int, list[int]] = {}
        for answer in serializer.validated_data["answers"]:
            answers.setdefault(answer["question"], []).extend(answer["choices"])
        try:
            attempt = assessments.attempt_submit(actor=request.user, attempt=attempt, answers=answers)
        except TrainingRefused as error:
            return _refused(error)
        return self._answer(attempt)

    @extend_schema(
        summary='Sign "trained" after a pass (e-signed)',
        description="Creates your training record (method: assessment, with the score) and closes the assignment. "
        "400/401/403/423: the e-signature refused it; 409 `code`: not_passed, signed, not_open.",
        request=AssessmentSignSerializer,
        responses={
            200: AttemptDetailSerializer,
            400: AssessmentRefusalSerializer,
            401: AssessmentRefusalSerializer,
            403: AssessmentRefusalSerializer,
            409: AssessmentRefusalSerializer,
            423: AssessmentRefusalSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        attempt = self._own()
        serializer = AssessmentSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = sign_through_api(request, assessments.attempt_sign, refused=TrainingRefused, attempt=attempt)
        if refusal is not None:
            return refusal
        return self._answer(attempt)


class ChoiceKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "text", "is_correct", "position"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    """A question of the bank with its answer key: only for the people who may change it."""

    choices = ChoiceKeySerializer(many=True, read_only=True, source="active_choices")

    class Meta:
        model = Question
        fields = ["id", "course", "text", "kind", "is_active", "choices", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List the question bank",
        description="The questions you may change (quality managers of the course's sites), with the answer key. "
        "Empty for everybody else: trainees never read the bank.",
    ),
    retrieve=extend_schema(summary="Show a question of the bank"),
)
@extend_schema(tags=["training"])
class QuestionViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only: the bank is edited on its pages, with a reason for each change."""

    queryset = Question.objects.select_related("course")
    serializer_class = QuestionSerializer
    permission_classes = [IsAuthenticated]
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self):
        return (
            self.queryset.filter(pk__in=assessments.bank_questions(user=self.request.user).values("pk"))
            .prefetch_related(
                Prefetch(
                    "choices",
                    Choice._base_manager.filter(is_active=True).order_by("position", "pk"),
                    to_attr="active_choices",
                )
            )
            .order_by("pk")
        )


class RecordVerifyApi(APIView):
    """A trainer signs a trainee's practical skill "verified"."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary='Verify a practical skill (e-signed "verified")',
        description="On a trainee's signed record of a course with a practical sign-off, by a person who may verify "
        "at the record's site, never on one's own record. 404: a record you may not view. 409 `code`: "
        "no_practical, not_signed, verified.",
        tags=["training"],
        request=AssessmentSignSerializer,
        responses={
            200: RecordVerifiedSerializer,
            400: AssessmentRefusalSerializer,
            401: AssessmentRefusalSerializer,
            403: AssessmentRefusalSerializer,
            404: OpenApiResponse(description="Not found."),
            409: AssessmentRefusalSerializer,
            423: AssessmentRefusalSerializer,
        },
    )
    def post(self, request, pk: int):
        record = get_object_or_404(TrainingRecord.objects.restrict(request.user, "view"), pk=pk)
        serializer = AssessmentSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = sign_through_api(request, assessments.record_verify, refused=TrainingRefused, record=record)
        if refusal is not None:
            return refusal
        record.refresh_from_db()
        return Response(RecordVerifiedSerializer(record).data)
