"""Site isolation of the question bank and the assessment attempts through the generic kit (ims.testing.kit).

Choices, answers and the assessment settings belong to their question, attempt or course and are reached only
through them. Neither scoped model has a list page or a generic API write, so the API-only variant of the kit is
used (see tests/policies/test_acknowledgement_isolation.py):

- questions: read-only API for the people who keep the bank (who may change questions at the site; trainees and
  read-only roles get an empty list), and the edit page with a reason for change;
- attempts: the person's own, and those of the sites where one may view training records; writes are start,
  submit and sign, one's own only.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory
from ims.testing.kit import SITE_READERS, ScopedModelCase
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests
from training import assessments, services
from training.models import Attempt, Question, QuestionKind

from .factories import course_at

NO_PAGE = ""
#: Principals who keep the question bank (change questions) at one site, or everywhere.
BANK_KEEPERS = {"qm_a", "qm_b", "admin"}
#: Principals who see only their own attempts (no permission to view training records).
OWN_ATTEMPTS_ONLY = {"emp_a", "emp_b"}


def question_at(site) -> Question:
    course = course_at(site, has_assessment=True)
    return assessments.question_create(
        actor=None,
        course=course,
        text="Which gown?",
        kind=QuestionKind.SINGLE,
        choices=[{"text": "Sterile", "is_correct": True}, {"text": "Any"}],
    )


def question_edit_data(question: Question) -> dict:
    data = {"text": f"{question.text} (reworded)", "kind": question.kind, "is_active": "on"}
    for i, choice in enumerate(question.choices.order_by("position", "pk")):
        data.update({f"choice_{i}_id": choice.pk, f"choice_{i}_text": choice.text})
        if choice.is_correct:
            data[f"choice_{i}_correct"] = "on"
    return data


def attempt_for(person, site) -> Attempt:
    course = course_at(site, has_assessment=True)
    assessments.question_create(
        actor=None,
        course=course,
        text="Which gown?",
        kind=QuestionKind.SINGLE,
        choices=[{"text": "Sterile", "is_correct": True}, {"text": "Any"}],
    )
    assignment = services.assignment_create_manual(
        actor=None, person=person, course=course, site=site, due_date=timezone.localdate()
    )
    return assessments.attempt_start(actor=person, assignment=assignment)


def attempt_at(site) -> Attempt:
    """An attempt of somebody new at ``site`` (never one of the principals)."""
    return attempt_for(PersonFactory(site=site, site__role=RoleCode.EMPLOYEE), site)


class TestQuestionIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=Question,
        create=question_at,
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        edit_url="training:question_edit",
        edit_data=question_edit_data,
        api="training-question",
    )

    def expected_rows(self, org, principal: str) -> set:
        if principal not in BANK_KEEPERS:
            return set()
        return super().expected_rows(org, principal)

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", sorted(SITE_READERS))
    def test_other_sites_detail_is_not_found(self, world, client_for, principal):
        own, other = self.own_row(world, principal), self.other_row(world, principal)
        client = client_for(getattr(world.org, principal))
        assert client.get(self.api_detail(own)).status_code == (200 if principal in BANK_KEEPERS else 404)
        assert client.get(self.api_detail(other)).status_code == 404


class TestAttemptIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=Attempt,
        create=attempt_at,
        list_url=NO_PAGE,
        detail_url="training:attempt_detail",
        api="training-attempt",
    )

    def expected_rows(self, org, principal: str) -> set:
        if principal in OWN_ATTEMPTS_ONLY:
            return set()
        return super().expected_rows(org, principal)

    def own_row(self, world, principal):
        if principal in OWN_ATTEMPTS_ONLY:  # not a colleague's attempt: one of their own at their site
            return attempt_for(getattr(world.org, principal), getattr(world.org, SITE_READERS[principal]))
        return super().own_row(world, principal)

    def writes(self, row) -> list[str]:
        return [reverse("training-attempt-submit", args=[row.pk]), reverse("training-attempt-sign", args=[row.pk])]

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_add(self, world, client_for):
        """Starting is one's own: a colleague's assignment answers 404 and nothing is drawn."""
        client = client_for(world.org.emp_a)
        before = self.all_rows()
        body = {"assignment": world.row_a.assignment_id}
        assert client.post(self.api_list(), body, content_type="application/json").status_code == 404
        assert client.post(reverse("training:assessment_take", args=[world.row_a.assignment_id])).status_code == 404
        assert self.all_rows() == before
