"""Competency assessments and practical sign-off: the writes and the few reads they need.

- The question bank is kept by the people who may change questions at one of the course's sites.
- ``attempt_start`` draws the questions (at random when the settings ask for it) for the trainee's open
  assignment; ``attempt_submit`` grades on the server and records the answers, which never change afterwards.
- After a pass the trainee signs "trained" (``attempt_sign``, through ``services.record_create_signed``).
- ``record_verify``: a trainer signs a practical skill "verified" on somebody else's training record.

The answer key (``Choice.is_correct``) is read here only to grade; ``attempt_questions`` gives what a trainee
may see of an attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site, user_sites
from ims.audit.context import audit_context
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.services import db_now, signature_create

from .choices import AssignmentStatus, TrainingMethod
from .models import (
    AssessmentSettings,
    Assignment,
    Attempt,
    AttemptAnswer,
    Choice,
    Course,
    Question,
    QuestionKind,
    TrainingRecord,
)
from .services import TrainingRefused, record_create_signed

MAX_CHOICES = 8
EDIT_QUESTIONS = "training.change_question"
ADD_QUESTIONS = "training.add_question"
VERIFY_RECORDS = "training.verify_trainingrecord"
VIEW_RECORDS = "training.view_trainingrecord"


# --- Reads ----------------------------------------------------------------------------------------------------


def settings_for(course: Course) -> AssessmentSettings:
    """The course's assessment settings, or the defaults (unsaved) when none were set."""
    found = AssessmentSettings.objects.filter(course=course).first()
    return found or AssessmentSettings(course=course)


def bank_courses(*, user) -> QuerySet[Course]:
    """Courses whose question bank ``user`` may keep: at a site where they may change questions."""
    return Course.objects.filter(sites__in=user_sites(user, EDIT_QUESTIONS)).distinct()


def bank_questions(*, user) -> QuerySet[Question]:
    """The questions ``user`` may read with their answer key: those they may change (never a trainee's view)."""
    return Question.objects.restrict(user, "change")


def attempts_visible(*, user) -> QuerySet[Attempt]:
    """One's own attempts, and those at the sites where one may view training records.

    An attempt is training evidence like the record it leads to: colleagues' scores are for the people who may
    see training records at the site (quality managers, trainers, inspectors), not for every reader there.
    """
    others = Attempt.objects.restrict(user, "view").filter(site__in=user_sites(user, VIEW_RECORDS))
    return Attempt.objects.filter(Q(person_id=user.pk) | Q(pk__in=others.values("pk")))


def failed_attempts(assignment: Assignment) -> int:
    return Attempt.objects.filter(assignment=assignment).failed().count()


def retakes_left(assignment: Assignment, settings: AssessmentSettings | None = None) -> int | None:
    """How many more attempts the assignment allows after its failures (``None``: no limit)."""
    settings = settings or settings_for(assignment.course)
    if settings.attempts_allowed is None:
        return None
    return max(0, settings.attempts_allowed - failed_attempts(assignment))


@dataclass(frozen=True)
class ShownChoice:
    id: int
    text: str


@dataclass(frozen=True)
class ShownQuestion:
    """What a trainee sees of a drawn question: no answer key."""

    id: int
    number: int
    text: str
    kind: str
    choices: tuple[ShownChoice, ...]

    @property
    def is_multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE


def attempt_questions(attempt: Attempt) -> list[ShownQuestion]:
    """The drawn questions in the drawn order, their choices in the drawn order; never ``is_correct``."""
    questions = Question._base_manager.filter(pk__in=attempt.question_ids).only("id", "text", "kind")
    choices: dict[int, ShownChoice] = {
        row["id"]: ShownChoice(id=row["id"], text=row["text"])
        for row in Choice._base_manager.filter(question_id__in=attempt.question_ids).values("id", "text")
    }
    by_id = {q.pk: q for q in questions}
    shown = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = by_id[question_id]
        order = attempt.choice_order.get(str(question_id), [])
        shown.append(
            ShownQuestion(
                id=question.pk,
                number=number,
                text=question.text,
                kind=question.kind,
                choices=tuple(choices[c] for c in order if c in choices),
            )
        )
    return shown


# --- Question bank --------------------------------------------------------------------------------------------


def _may_keep_bank(actor, course: Course, perm: str) -> bool:
    return any(user_can_at_site(actor, perm, site) for site in course.sites.all())


def _clean_choices(kind: str, choices: list[dict]) -> list[dict]:
    """``choices``: dicts with ``text`` and ``is_correct`` (and ``id`` for existing ones); blank text drops one."""
    kept = [c for c in choices if (c.get("text") or "").strip()]
    correct = sum(1 for c in kept if c.get("is_correct"))
    if len(kept) < 2:
        raise ValidationError({"choices": _("Give at least two answers.")})
    if len(kept) > MAX_CHOICES:
        raise ValidationError({"choices": _("Give at most %(n)s answers.") % {"n": MAX_CHOICES}})
    if kind == QuestionKind.SINGLE and correct != 1:
        raise ValidationError({"choices": _("Mark exactly one answer correct for a single-choice question.")})
    if kind == QuestionKind.MULTIPLE and correct < 1:
        raise ValidationError({"choices": _("Mark at least one answer correct.")})
    return kept


def _write_choices(question: Question, choices: list[dict]) -> None:
    existing = {c.pk: c for c in Choice._base_manager.select_for_update().filter(question=question)}
    kept_ids = set()
    for position, data in enumerate(choices):
        choice = existing.get(data.get("id")) if data.get("id") else None
        if choice is None:
            choice = Choice(question=question)
        choice.text = data["text"].strip()
        choice.is_correct = bool(data.get("is_correct"))
        choice.position = position
        choice.is_active = True
        choice.full_clean(exclude=["question"])
        choice.save()
        kept_ids.add(choice.pk)
    for pk, choice in existing.items():
        if pk not in kept_ids and choice.is_active:
            choice.is_active = False
            choice.save(update_fields=["is_active", "updated_at"])


@transaction.atomic
def question_create(*, actor, course: Course, text: str, kind: str, choices: list[dict]) -> Question:
    if not course.has_assessment:
        raise ValidationError(_("This course has no assessment."))
    if actor is not None and not _may_keep_bank(actor, course, ADD_QUESTIONS):
        raise PermissionDenied(_("You may not add questions to this course."))
    kept = _clean_choices(kind, choices)
    question = Question(course=course, text=(text or "").strip(), kind=kind)
    question.full_clean()
    question.save()
    _write_choices(question, kept)
    return question


@transaction.atomic
def question_update(
    *, actor, question: Question, text: str, kind: str, is_active: bool, choices: list[dict]
) -> Question:
    """Change a question and its answers; a removed answer is deactivated (answers already given keep it)."""
    question = Question._base_manager.select_for_update().select_related("course").get(pk=question.pk)
    if actor is not None and not _may_keep_bank(actor, question.course, EDIT_QUESTIONS):
        raise PermissionDenied(_("You may not change the questions of this course."))
    kept = _clean_choices(kind, choices)
    question.text = (text or "").strip()
    question.kind = kind
    question.is_active = is_active
    question.full_clean()
    question.save()
    _write_choices(question, kept)
    return question


@transaction.atomic
def settings_update(*, actor, course: Course, **fields) -> AssessmentSettings:
    if actor is not None and not _may_keep_bank(actor, course, EDIT_QUESTIONS):
        raise PermissionDenied(_("You may not change the assessment of this course."))
    settings = AssessmentSettings._base_manager.select_for_update().filter(course=course).first()
    settings = settings or AssessmentSettings(course=course)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings


# --- Taking the assessment ------------------------------------------------------------------------------------


def _own_open_assignment(actor, assignment: Assignment) -> Assignment:
    if actor is None or assignment.person_id != actor.pk:
        raise PermissionDenied(_("This training is assigned to somebody else."))
    if assignment.status != AssignmentStatus.OPEN:
        raise TrainingRefused(_("This assignment is no longer open."), code="not_open")
    if not assignment.course.has_assessment:
        raise TrainingRefused(_("This course has no assessment."), code="no_assessment")
    return assignment


@transaction.atomic
def attempt_start(*, actor, assignment: Assignment, rng: random.Random | None = None) -> Attempt:
    """Draw the questions for a new attempt; the unfinished attempt is returned when there is one."""
    assignment = Assignment._base_manager.select_for_update().select_related("course").get(pk=assignment.pk)
    _own_open_assignment(actor, assignment)
    unfinished = Attempt.objects.filter(assignment=assignment).unfinished().first()
    if unfinished is not None:
        return unfinished
    if Attempt._base_manager.filter(assignment=assignment, passed=True).exists():
        raise TrainingRefused(_("You passed already: sign your training record."), code="passed")
    settings = settings_for(assignment.course)
    left = retakes_left(assignment, settings)
    if left is not None and left <= 0:
        raise TrainingRefused(
            _("No retakes left. Ask your trainer or quality manager to assign the course again."),
            code="no_retakes_left",
        )
    questions = list(
        Question._base_manager.filter(course=assignment.course, is_active=True)
        .filter(choices__is_active=True)
        .distinct()
        .order_by("pk")
        .prefetch_related(Prefetch("choices", Choice._base_manager.filter(is_active=True).order_by("position", "pk")))
    )
    if not questions:
        raise TrainingRefused(_("The assessment has no questions yet."), code="no_questions")
    rng = rng or random.SystemRandom()
    count = min(settings.questions_per_attempt or len(questions), len(questions))
    drawn = rng.sample(questions, count) if count < len(questions) else list(questions)
    if settings.random_order:
        rng.shuffle(drawn)
    else:
        drawn.sort(key=lambda q: q.pk)
    order = {}
    for question in drawn:
        choice_ids = [c.pk for c in question.choices.all()]
        if settings.random_order:
            rng.shuffle(choice_ids)
        order[str(question.pk)] = choice_ids
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                person_id=assignment.person_id,
                course_id=assignment.course_id,
                assignment=assignment,
                site_id=assignment.site_id,
                started_at=db_now(),
                question_ids=[q.pk for q in drawn],
                choice_order=order,
                pass_mark=settings.pass_mark,
            )
    except IntegrityError:  # an unfinished attempt of the same course (another assignment) exists
        raise TrainingRefused(_("Finish your unfinished attempt first."), code="unfinished") from None


def _grade(question: Question, correct: set[int], chosen: set[int]) -> bool:
    """Single choice: the one correct answer. Multiple choice: all the correct answers and nothing else."""
    if question.kind == QuestionKind.SINGLE and len(chosen) != 1:
        return False
    return chosen == correct


@transaction.atomic
def attempt_submit(*, actor, attempt: Attempt, answers: dict[int, list[int]]) -> Attempt:
    """Grade the answers (question id → chosen choice ids) on the server; the result is final."""
    attempt = Attempt._base_manager.select_for_update().select_related("assignment__course").get(pk=attempt.pk)
    if actor is None or attempt.person_id != actor.pk:
        raise PermissionDenied(_("This attempt is somebody else's."))
    if attempt.submitted_at is not None:
        raise TrainingRefused(_("This attempt was submitted already; answers are never changed."), code="submitted")
    if attempt.assignment.status != AssignmentStatus.OPEN:
        raise TrainingRefused(_("This assignment is no longer open."), code="not_open")
    drawn = {int(q) for q in attempt.question_ids}
    unknown = set(answers) - drawn
    if unknown:
        raise ValidationError({"answers": _("Answer only the questions of this attempt.")})
    offered = {int(q): set(ids) for q, ids in attempt.choice_order.items()}
    for question_id, chosen in answers.items():
        if not set(chosen) <= offered.get(question_id, set()):
            raise ValidationError({"answers": _("Choose among the answers shown.")})
    questions = {q.pk: q for q in Question._base_manager.filter(pk__in=drawn)}
    correct: dict[int, set[int]] = {q: set() for q in drawn}
    for question_id, choice_id in Choice._base_manager.filter(
        question_id__in=drawn, is_correct=True, is_active=True
    ).values_list("question_id", "id"):
        correct[question_id].add(choice_id)
    rows, right = [], 0
    for question_id in attempt.question_ids:
        chosen = sorted(set(answers.get(question_id, [])))
        is_correct = _grade(questions[question_id], correct[question_id], set(chosen))
        right += is_correct
        rows.append(AttemptAnswer(attempt=attempt, question_id=question_id, choice_ids=chosen, is_correct=is_correct))
    AttemptAnswer.objects.bulk_create(rows)
    score = (Decimal(100 * right) / Decimal(len(attempt.question_ids))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    attempt.submitted_at = db_now()
    attempt.score = score
    attempt.passed = score >= attempt.pass_mark
    attempt.save(update_fields=["submitted_at", "score", "passed", "updated_at"])
    return attempt


def attempt_sign(
    *,
    actor,
    attempt: Attempt,
    password: str | None,
    username: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> TrainingRecord:
    """After a pass the trainee signs "trained" (method: assessment, with the score); the assignment closes."""
    attempt = Attempt._base_manager.select_related("assignment__course").get(pk=attempt.pk)
    if actor is None or attempt.person_id != actor.pk:
        raise PermissionDenied(_("This attempt is somebody else's."))
    if not attempt.passed:
        raise TrainingRefused(_("Only a passed assessment can be signed."), code="not_passed")
    if attempt.record_id is not None:
        raise TrainingRefused(_("This assessment is signed already."), code="signed")
    record = record_create_signed(
        actor=actor,
        assignment=attempt.assignment,
        method=TrainingMethod.ASSESSMENT,
        score=attempt.score,
        password=password,
        username=username,
        session=session,
        channel=channel,
        ip=ip,
        on_signed=lambda record: _link_attempt(attempt, record),
    )
    return record


def _link_attempt(attempt: Attempt, record: TrainingRecord) -> None:
    with audit_context(reason=_("Signed after passing the assessment")):
        Attempt._base_manager.filter(pk=attempt.pk, record__isnull=True).update(record=record, updated_at=db_now())


# --- Practical skills: verified by a trainer ------------------------------------------------------------------


def verify_statement(record: TrainingRecord) -> str:
    return _("I verified the practical skill of %(person)s on %(course)s.") % {
        "person": record.person.display_name,
        "course": f"{record.course.code} {record.course.title}",
    }


def records_to_verify(*, user) -> QuerySet[TrainingRecord]:
    """Signed records of practical courses awaiting a trainer, at the sites where ``user`` may verify."""
    return (
        TrainingRecord.objects.restrict(user, "verify")
        .filter(course__requires_practical=True, signature__isnull=False, verified_at__isnull=True)
        .exclude(person_id=user.pk)
        .select_related("person", "course", "site")
    )


def record_verify(
    *,
    actor,
    record: TrainingRecord,
    password: str | None,
    username: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> TrainingRecord:
    """A trainer signs "verified" on a trainee's signed record of a practical course; it then counts as current."""
    record = TrainingRecord._base_manager.select_related("course", "person", "site").get(pk=record.pk)
    if actor is None or not user_can_at_site(actor, VERIFY_RECORDS, record.site):
        raise PermissionDenied(_("You may not verify practical skills at site %(site)s.") % {"site": record.site.code})
    if record.person_id == actor.pk:
        raise PermissionDenied(_("Nobody verifies their own practical skill."))
    if not record.course.requires_practical:
        raise TrainingRefused(_("This course has no practical sign-off."), code="no_practical")
    if record.signature_id is None:
        raise TrainingRefused(_("The trainee has not signed this record yet."), code="not_signed")
    if record.verified_at is not None:
        raise TrainingRefused(_("This practical skill is verified already."), code="verified")
    statement = verify_statement(record)

    def apply(signature: Signature) -> None:
        locked = TrainingRecord._base_manager.select_for_update().get(pk=record.pk)
        if locked.verified_at is not None:
            raise TrainingRefused(_("This practical skill is verified already."), code="verified")
        with audit_context(reason=statement):
            TrainingRecord._base_manager.filter(pk=record.pk).update(
                verified_at=signature.signed_at, verified_by_id=actor.pk, updated_at=signature.signed_at
            )

    signature_create(
        signer=actor,
        record=record,
        meaning=SignatureMeaning.VERIFIED,
        password=password,
        username=username,
        reason=statement,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
    )
    return TrainingRecord._base_manager.get(pk=record.pk)
