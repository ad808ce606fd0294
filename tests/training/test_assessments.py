"""Competency assessments: drawing, grading, retakes, the answer key never leaving the server, signing after a
pass, and the trainer's practical sign-off."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from training import assessments, services
from training.models import Assignment, Attempt, AttemptAnswer, Choice, Question, QuestionKind, TrainingRecord
from training.services import TrainingRefused

from .factories import course_at

pytestmark = [pytest.mark.django_db]


def bank(site, *, questions=5, multiple=0, **settings) -> tuple:
    """A course with an assessment at ``site``: ``questions`` single-choice (answer "right") + ``multiple``
    multiple-choice ones (answers "right 1" and "right 2")."""
    course = course_at(
        site,
        has_assessment=True,
        **({"requires_practical": settings.pop("practical")} if "practical" in settings else {}),
    )
    for n in range(questions):
        assessments.question_create(
            actor=None,
            course=course,
            text=f"Single {n}?",
            kind=QuestionKind.SINGLE,
            choices=[{"text": "right", "is_correct": True}, {"text": "wrong a"}, {"text": "wrong b"}],
        )
    for n in range(multiple):
        assessments.question_create(
            actor=None,
            course=course,
            text=f"Multiple {n}?",
            kind=QuestionKind.MULTIPLE,
            choices=[
                {"text": "right 1", "is_correct": True},
                {"text": "right 2", "is_correct": True},
                {"text": "wrong"},
            ],
        )
    if settings:
        assessments.settings_update(actor=None, course=course, **settings)
    return course


def assign(person, course, site) -> Assignment:
    return services.assignment_create_manual(
        actor=None, person=person, course=course, site=site, due_date=timezone.localdate()
    )


def right_answers(attempt: Attempt) -> dict[int, list[int]]:
    return {
        q: list(Choice.objects.filter(question_id=q, is_correct=True).values_list("pk", flat=True))
        for q in attempt.question_ids
    }


def wrong_answers(attempt: Attempt) -> dict[int, list[int]]:
    return {q: [Choice.objects.filter(question_id=q, is_correct=False).first().pk] for q in attempt.question_ids}


def trainer_at(site, password_hash) -> Person:
    person = org_services.person_create(
        username=f"trainer_{site.code.lower()}", employee_id=f"TR-{site.code}", first_name="Tina", last_name="Trainer"
    )
    Person.objects.filter(pk=person.pk).update(password=password_hash)
    person.refresh_from_db()
    function = org_services.function_create(code=f"TRN{site.pk}", name=f"Training {site.code}")
    from ims.org.models import Role

    org_services.membership_create(
        person=person, site=site, function=function, role=Role.objects.get(code=RoleCode.TRAINER)
    )
    certification_create(person=person, password="Correct-Horse-Battery-9", username=person.username, session={})
    return person


class TestDrawing:
    def test_draws_the_configured_number_of_active_questions_in_random_order(self, org):
        course = bank(org.site_a, questions=10, questions_per_attempt=4, retake_limit=None)
        retired = Question.objects.filter(course=course).order_by("pk").first()
        assessments.question_update(
            actor=None,
            question=retired,
            text=retired.text,
            kind=retired.kind,
            is_active=False,
            choices=[{"id": c.pk, "text": c.text, "is_correct": c.is_correct} for c in retired.choices.all()],
        )
        active = set(Question.objects.filter(course=course, is_active=True).values_list("pk", flat=True))
        assignment = assign(org.emp_a, course, org.site_a)
        draws, orders = set(), set()
        for seed in range(6):
            attempt = assessments.attempt_start(actor=org.emp_a, assignment=assignment, rng=random.Random(seed))
            assert len(attempt.question_ids) == 4 == len(set(attempt.question_ids))
            assert set(attempt.question_ids) <= active
            for question_id in attempt.question_ids:
                shown = attempt.choice_order[str(question_id)]
                assert sorted(shown) == sorted(
                    Choice.objects.filter(question_id=question_id).values_list("pk", flat=True)
                )
                orders.add(tuple(shown))
            draws.add(tuple(attempt.question_ids))
            assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=wrong_answers(attempt))
        assert len(draws) > 1, "the selection and order differ between attempts"
        assert len(orders) > 1, "the answers are shuffled"

    def test_fixed_order_draws_every_question_in_bank_order(self, org):
        course = bank(org.site_a, questions=4, random_order=False, questions_per_attempt=None)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        assert attempt.question_ids == sorted(Question.objects.filter(course=course).values_list("pk", flat=True))
        first = attempt.question_ids[0]
        assert attempt.choice_order[str(first)] == list(
            Choice.objects.filter(question_id=first).order_by("position").values_list("pk", flat=True)
        )

    def test_one_unfinished_attempt_at_a_time(self, org):
        course = bank(org.site_a)
        assignment = assign(org.emp_a, course, org.site_a)
        first = assessments.attempt_start(actor=org.emp_a, assignment=assignment)
        assert assessments.attempt_start(actor=org.emp_a, assignment=assignment) == first
        assert Attempt.objects.count() == 1

    def test_only_ones_own_open_assignment_of_a_course_with_an_assessment(self, org):
        course = bank(org.site_a)
        assignment = assign(org.emp_a, course, org.site_a)
        with pytest.raises(PermissionDenied):
            assessments.attempt_start(actor=org.qm_a, assignment=assignment)
        plain = course_at(org.site_a)
        with pytest.raises(TrainingRefused) as refused:
            assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, plain, org.site_a))
        assert refused.value.code == "no_assessment"
        services.assignment_withdraw(actor=None, assignment=assignment, note="Not needed")
        with pytest.raises(TrainingRefused) as refused:
            assessments.attempt_start(actor=org.emp_a, assignment=assignment)
        assert refused.value.code == "not_open"
        assert not Attempt.objects.exists()


class TestGrading:
    def test_single_exact_multiple_all_or_nothing_and_the_score(self, org):
        course = bank(org.site_a, questions=2, multiple=2, pass_mark=75, random_order=False)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        single_1, single_2, multi_1, multi_2 = attempt.question_ids
        key = right_answers(attempt)
        answers = {
            single_1: key[single_1],  # right
            single_2: key[single_2] + [Choice.objects.filter(question_id=single_2, is_correct=False).first().pk],
            multi_1: key[multi_1],  # all the right ones: right
            multi_2: key[multi_2][:1],  # half of them: wrong
        }
        attempt = assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=answers)
        assert attempt.score == Decimal("50.00") and attempt.passed is False
        graded = dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "is_correct"))
        assert graded == {single_1: True, single_2: False, multi_1: True, multi_2: False}

    def test_pass_at_the_pass_mark_and_answers_are_final(self, org):
        course = bank(org.site_a, questions=4, pass_mark=75)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        answers = right_answers(attempt)
        answers[attempt.question_ids[0]] = wrong_answers(attempt)[attempt.question_ids[0]]
        attempt = assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=answers)
        assert attempt.score == Decimal("75.00") and attempt.passed is True
        before = list(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids"))
        with pytest.raises(TrainingRefused) as refused:
            assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=right_answers(attempt))
        assert refused.value.code == "submitted"
        assert list(AttemptAnswer.objects.filter(attempt=attempt).values_list("question_id", "choice_ids")) == before

    def test_answers_outside_the_attempt_are_refused(self, org):
        course = bank(org.site_a, questions=3, questions_per_attempt=2)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        other = Question.objects.filter(course=course).exclude(pk__in=attempt.question_ids).get()
        with pytest.raises(ValidationError):
            assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers={other.pk: []})
        foreign = Choice.objects.filter(question=other).first().pk
        with pytest.raises(ValidationError):
            assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers={attempt.question_ids[0]: [foreign]})
        with pytest.raises(PermissionDenied):
            assessments.attempt_submit(actor=org.qm_a, attempt=attempt, answers={})
        assert Attempt.objects.get(pk=attempt.pk).submitted_at is None

    def test_retake_limit_counts_failed_attempts(self, org):
        course = bank(org.site_a, questions=2, retake_limit=1)
        assignment = assign(org.emp_a, course, org.site_a)
        for left in (1, 0):
            attempt = assessments.attempt_start(actor=org.emp_a, assignment=assignment)
            assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=wrong_answers(attempt))
            assert assessments.retakes_left(assignment) == left
        with pytest.raises(TrainingRefused) as refused:
            assessments.attempt_start(actor=org.emp_a, assignment=assignment)
        assert refused.value.code == "no_retakes_left"
        assert Attempt.objects.filter(assignment=assignment).count() == 2


def _without_csrf(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


class TestNoAnswerKeyLeaves:
    def flip_the_key(self, course):
        """Make every wrong answer right and every right one wrong: what the trainee gets must not change."""
        for choice in Choice.objects.filter(question__course=course):
            Choice.objects.filter(pk=choice.pk).update(is_correct=not choice.is_correct)

    def test_the_attempt_page_does_not_depend_on_the_answer_key(self, org, client_for):
        course = bank(org.site_a, questions=3, multiple=2)
        assignment = assign(org.emp_a, course, org.site_a)
        client = client_for(org.emp_a)
        response = client.post(reverse("training:assessment_take", args=[assignment.pk]))
        attempt = Attempt.objects.get(assignment=assignment)
        assert response.status_code == 302 and response["Location"] == attempt.get_absolute_url()
        page = client.get(attempt.get_absolute_url())
        assert page.status_code == 200
        html = _without_csrf(page.content.decode())
        for question_id in attempt.question_ids:
            assert f'data-question="{question_id}"' in html
        assert "correct" not in re.sub(r"(?s)<head>.*?</head>", "", html).replace("every correct answer", "")
        self.flip_the_key(course)
        assert _without_csrf(client.get(attempt.get_absolute_url()).content.decode()) == html

    def test_the_api_never_sends_the_answer_key_before_submission(self, org, client_for):
        course = bank(org.site_a, questions=3, multiple=2)
        assignment = assign(org.emp_a, course, org.site_a)
        client = client_for(org.emp_a)
        started = client.post(
            reverse("training-attempt-list"), {"assignment": assignment.pk}, content_type="application/json"
        )
        assert started.status_code == 201, started.content
        body = started.json()
        assert len(body["questions"]) == 5 and all(q["choices"] for q in body["questions"])
        assert not {k for k in _keys(body) if "correct" in k}
        detail = client.get(reverse("training-attempt-detail", args=[body["id"]]))
        assert detail.json() == body
        listed = client.get(reverse("training-attempt-list")).json()
        assert not {k for k in _keys(listed) if "correct" in k or k in {"questions", "answers"}}
        self.flip_the_key(course)
        assert client.get(reverse("training-attempt-detail", args=[body["id"]])).json() == body
        assert client.get(reverse("training-question-list")).json()["count"] == 0, "trainees never read the bank"

    def test_colleagues_cannot_read_an_attempt(self, org, client_for):
        course = bank(org.site_a)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        colleague = org_services.person_create(username="emp_a2", employee_id="EA2", first_name="E", last_name="A2")
        org_services.membership_create(
            person=colleague, site=org.site_a, function=org.prod, role=org.roles[RoleCode.EMPLOYEE]
        )
        client = client_for(colleague)
        assert client.get(reverse("training-attempt-detail", args=[attempt.pk])).status_code == 404
        assert client.get(attempt.get_absolute_url()).status_code == 404
        manager = client_for(org.qm_a).get(reverse("training-attempt-detail", args=[attempt.pk]))
        assert manager.status_code == 200 and manager.json()["questions"] == []


class TestPassAndSign:
    def test_api_start_submit_sign_records_the_score(self, org, client_for):
        certification_create(person=org.emp_a, password=org.password, username="emp_a", session={})
        course = bank(org.site_a, questions=3, multiple=1)
        assignment = assign(org.emp_a, course, org.site_a)
        client = client_for(org.emp_a)
        attempt = client.post(
            reverse("training-attempt-list"), {"assignment": assignment.pk}, content_type="application/json"
        ).json()
        key = right_answers(Attempt.objects.get(pk=attempt["id"]))
        submitted = client.post(
            reverse("training-attempt-submit", args=[attempt["id"]]),
            {"answers": [{"question": q, "choices": c} for q, c in key.items()]},
            content_type="application/json",
        )
        assert submitted.status_code == 200, submitted.content
        assert submitted.json()["passed"] is True and submitted.json()["score"] == "100.00"
        signed = client.post(
            reverse("training-attempt-sign", args=[attempt["id"]]),
            {"username": "emp_a", "password": org.password},
            content_type="application/json",
        )
        assert signed.status_code == 200, signed.content
        record = TrainingRecord.objects.get(pk=signed.json()["record"])
        assert record.method == "assessment" and record.score == Decimal("100.00")
        assert record.signature.meaning == "trained" and record.signature.signer == org.emp_a
        assert Assignment.objects.get(pk=assignment.pk).status == "completed"
        assert services.is_current(person=org.emp_a, course=course)

    def test_page_result_and_signature_after_a_pass(self, org, client_for):
        certification_create(person=org.emp_a, password=org.password, username="emp_a", session={})
        course = bank(org.site_a, questions=2, retake_limit=3)
        assignment = assign(org.emp_a, course, org.site_a)
        client = client_for(org.emp_a)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assignment)
        wrong = {f"q{q}": c for q, c in wrong_answers(attempt).items()}
        assert client.post(attempt.get_absolute_url(), wrong).status_code == 302
        failed = client.get(attempt.get_absolute_url())
        assert 'data-result="failed"' in failed.content.decode() and "3 attempts left" in failed.content.decode()
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assignment)
        unanswered = client.post(attempt.get_absolute_url(), {})
        assert unanswered.status_code == 400 and Attempt.objects.get(pk=attempt.pk).submitted_at is None
        right = {f"q{q}": c for q, c in right_answers(attempt).items()}
        client.post(attempt.get_absolute_url(), right)
        passed = client.get(attempt.get_absolute_url()).content.decode()
        assert 'data-result="passed"' in passed and "data-sign-form" in passed and "I was trained on" in passed
        wrong_password = client.post(
            reverse("training:attempt_sign", args=[attempt.pk]), {"username": "emp_a", "password": "nope"}
        )
        assert wrong_password.status_code == 401 and not TrainingRecord.objects.exists()
        signed = client.post(
            reverse("training:attempt_sign", args=[attempt.pk]), {"username": "emp_a", "password": org.password}
        )
        assert signed.status_code == 302
        attempt.refresh_from_db()
        assert attempt.record.score == Decimal("100.00") and attempt.record.method == "assessment"

    def test_failed_attempt_cannot_be_signed(self, org):
        course = bank(org.site_a, questions=2)
        attempt = assessments.attempt_start(actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a))
        assessments.attempt_submit(actor=org.emp_a, attempt=attempt, answers=wrong_answers(attempt))
        with pytest.raises(TrainingRefused) as refused:
            assessments.attempt_sign(actor=org.emp_a, attempt=attempt, password=org.password, username="emp_a")
        assert refused.value.code == "not_passed"

    def test_self_study_is_refused_for_a_course_with_an_assessment(self, org):
        course = bank(org.site_a)
        with pytest.raises(TrainingRefused):
            services.self_study_complete(
                actor=org.emp_a, assignment=assign(org.emp_a, course, org.site_a), password=org.password
            )


class TestPracticalSignOff:
    def trained_record(self, org, site=None) -> TrainingRecord:
        site = site or org.site_a
        person = org.emp_a if site == org.site_a else org.emp_b
        certification_create(person=person, password=org.password, username=person.username, session={})
        course = bank(site, questions=1, practical=True)
        attempt = assessments.attempt_start(actor=person, assignment=assign(person, course, site))
        assessments.attempt_submit(actor=person, attempt=attempt, answers=right_answers(attempt))
        return assessments.attempt_sign(actor=person, attempt=attempt, password=org.password, username=person.username)

    def test_trainer_verifies_and_the_training_counts(self, org, password_hash):
        record = self.trained_record(org)
        assert not services.is_current(person=org.emp_a, course=record.course)
        trainer = trainer_at(org.site_a, password_hash)
        assert list(assessments.records_to_verify(user=trainer)) == [record]
        record = assessments.record_verify(
            actor=trainer, record=record, password=org.password, username=trainer.username
        )
        assert record.verified_by == trainer and record.verified_at is not None
        from ims.esign.models import Signature

        assert Signature.objects.for_record(record).filter(meaning="verified", signer=trainer).exists()
        assert services.is_current(person=org.emp_a, course=record.course)
        with pytest.raises(TrainingRefused):
            assessments.record_verify(actor=trainer, record=record, password=org.password, username=trainer.username)

    def test_nobody_verifies_their_own_record_or_without_the_permission(self, org):
        record = self.trained_record(org)
        with pytest.raises(PermissionDenied):
            assessments.record_verify(actor=org.emp_a, record=record, password=org.password, username="emp_a")
        certification_create(person=org.qm_a, password=org.password, username="qm_a", session={})
        Assignment.objects.filter(pk=record.assignment_id)  # the trainee's own record, signed by qm_a? never
        TrainingRecord.objects.filter(pk=record.pk).update(person=org.qm_a)
        with pytest.raises(PermissionDenied):
            assessments.record_verify(actor=org.qm_a, record=record, password=org.password, username="qm_a")
        assert TrainingRecord.objects.get(pk=record.pk).verified_at is None

    def test_not_across_sites(self, org, password_hash, client_for):
        record = self.trained_record(org, site=org.site_b)
        trainer = trainer_at(org.site_a, password_hash)
        with pytest.raises(PermissionDenied):
            assessments.record_verify(actor=trainer, record=record, password=org.password, username=trainer.username)
        client = client_for(trainer)
        url = reverse("training-record-verify", args=[record.pk])
        body = {"username": trainer.username, "password": org.password}
        assert client.post(url, body, content_type="application/json").status_code == 404
        assert client.get(reverse("training:record_verify", args=[record.pk])).status_code == 404
        assert TrainingRecord.objects.get(pk=record.pk).verified_at is None

    def test_verify_page_and_api(self, org, password_hash, client_for):
        record = self.trained_record(org)
        trainer = trainer_at(org.site_a, password_hash)
        client = client_for(trainer)
        listed = client.get(reverse("training:record_verify_list"))
        assert f'data-record="{record.pk}"' in listed.content.decode()
        page = client.get(reverse("training:record_verify", args=[record.pk]))
        assert page.status_code == 200 and "data-verify-form" in page.content.decode()
        assert client_for(org.emp_a).get(reverse("training:record_verify", args=[record.pk])).status_code == 404
        answer = client.post(
            reverse("training-record-verify", args=[record.pk]),
            {"username": trainer.username, "password": org.password},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["verified_by"] == trainer.pk


class TestQuestionBankPages:
    def test_quality_manager_adds_and_edits_with_a_reason(self, org, client_for):
        course = bank(org.site_a, questions=0)
        client = client_for(org.qm_a)
        assert client.get(reverse("training:question_list", args=[course.pk])).status_code == 200
        data = {
            "text": "Which gown?",
            "kind": "single",
            "choice_0_text": "Sterile",
            "choice_0_correct": "on",
            "choice_1_text": "Any",
        }
        assert client.post(reverse("training:question_add", args=[course.pk]), data).status_code == 302
        question = Question.objects.get(course=course)
        edit = reverse("training:question_edit", args=[question.pk])
        ids = list(question.choices.order_by("position").values_list("pk", flat=True))
        changed = {**data, "choice_0_id": ids[0], "choice_1_id": ids[1], "is_active": "on", "text": "Which gown now?"}
        assert client.post(edit, changed).status_code == 400, "a change needs a reason"
        assert client.post(edit, {**changed, "change_reason": "Clearer wording"}).status_code == 302
        from ims.audit.models import AuditEvent

        question.refresh_from_db()
        assert question.text == "Which gown now?"
        assert AuditEvent.objects.for_record(question).filter(action="U").last().reason == "Clearer wording"
        two_right = {**changed, "choice_1_correct": "on", "change_reason": "x"}
        assert client.post(edit, two_right).status_code == 400, "a single-choice question has one right answer"

    def test_trainees_and_other_sites_do_not_read_the_bank(self, org, client_for):
        course = bank(org.site_a)
        assert client_for(org.emp_a).get(reverse("training:question_list", args=[course.pk])).status_code == 403
        assert client_for(org.qm_b).get(reverse("training:question_list", args=[course.pk])).status_code == 404
        html = client_for(org.qm_a).get(reverse("training:question_list", args=[course.pk])).content.decode()
        assert "Single 0?" in html
