"""Automatic training assignments: requirements × memberships, document revisions, recurrence, leavers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ims.documents import services as doc_services
from ims.esign.services import SignatureRefused, certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from tests.policies.ack_factories import PASSWORD, effective_policy, new_version_effective
from training import assignments, services
from training.choices import AssignmentReason, AssignmentStatus, CancelReason
from training.models import Assignment, Curriculum, SignerQualification

from .factories import course_at, require

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10i")]


def open_assignments(course) -> set[str]:
    return set(Assignment.objects.filter(course=course, status="open").values_list("person__username", flat=True))


class TestRequirements:
    def test_requirement_assigns_exactly_the_people_in_scope(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], grace_days=10)
        assert open_assignments(course) == {"emp_a"}
        assignment = Assignment.objects.get(course=course)
        assert assignment.reason == AssignmentReason.MEMBERSHIP
        assert assignment.due_date == timezone.localdate() + datetime.timedelta(days=10)

    def test_no_role_means_every_role_but_inspectors_and_function_narrows(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course)
        assert open_assignments(course) == {"qm_a", "emp_a", "global_admin"}
        narrow = course_at(org.site_a)
        require(org.site_a, narrow, function=org.prod)
        assert open_assignments(narrow) == {"emp_a"}

    def test_curriculum_expands_to_its_courses(self, org):
        first, second = course_at(org.site_b), course_at(org.site_b)
        curriculum = Curriculum.objects.create(code="GMP-BASICS", title="GMP basics")
        curriculum.sites.set([org.site_b])
        curriculum.courses.set([first, second])
        services.requirement_create(
            actor=None, site=org.site_b, curriculum=curriculum, role=org.roles[RoleCode.EMPLOYEE]
        )
        assert open_assignments(first) == open_assignments(second) == {"emp_b"}

    def test_reconcile_twice_changes_nothing(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course)
        before = list(Assignment.objects.order_by("pk").values_list("pk", "status"))
        assert assignments.assignments_reconcile()["created"] == 0
        assert assignments.assignments_reconcile()["cancelled"] == 0
        assert list(Assignment.objects.order_by("pk").values_list("pk", "status")) == before

    def test_site_quality_manager_cannot_require_at_another_site(self, org):
        course = course_at(org.site_b)
        with pytest.raises(PermissionDenied):
            require(org.site_b, course, actor=org.qm_a)
        assert not Assignment.objects.exists()


class TestMemberships:
    def test_joiner_is_assigned_and_leaver_cancelled_with_reason(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        newcomer = org_services.person_create(username="new_op", employee_id="N1", first_name="New", last_name="Op")
        org_services.membership_create(
            person=newcomer, site=org.site_a, function=org.prod, role=org.roles[RoleCode.EMPLOYEE]
        )
        assert "new_op" in open_assignments(course)
        org_services.membership_update(
            membership=org.emp_a.memberships.get(), data={"role": org.roles[RoleCode.TRAINER]}
        )
        cancelled = Assignment.objects.get(course=course, person=org.emp_a)
        assert cancelled.status == AssignmentStatus.CANCELLED
        assert cancelled.cancel_reason == CancelReason.LEFT_SCOPE and cancelled.cancel_note

    def test_manual_assignments_survive_the_reconcile(self, org):
        course = course_at(org.site_a)
        manual = services.assignment_create_manual(
            actor=org.qm_a, person=org.emp_a, course=course, site=org.site_a, due_date=timezone.localdate()
        )
        assignments.assignments_reconcile()
        manual.refresh_from_db()
        assert manual.status == "open"


class TestCompletingAndRevisions:
    def complete(self, person, course):
        assignment = Assignment.objects.get(person=person, course=course, status="open")
        return services.self_study_complete(
            actor=person, assignment=assignment, password=PASSWORD, username=person.username
        )

    def test_self_study_signs_trained_and_closes_the_assignment(self, org):
        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], recurrence_months=12)
        record = self.complete(org.emp_a, course)
        assert record.signature.meaning == "trained" and record.signature.signer == org.emp_a
        assert record.valid_until == timezone.localdate().replace(year=timezone.localdate().year + 1)
        assert Assignment.objects.get(pk=record.assignment_id).status == "completed"
        assert services.is_current(person=org.emp_a, course=course)

    def test_wrong_password_creates_no_record(self, org):
        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        assignment = Assignment.objects.get(person=org.emp_a, course=course)
        with pytest.raises(SignatureRefused):
            services.self_study_complete(actor=org.emp_a, assignment=assignment, password="nope", username="emp_a")
        assert not course.records.exists()
        assignment.refresh_from_db()
        assert assignment.status == "open"

    def test_nobody_completes_somebody_elses_training(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        assignment = Assignment.objects.get(person=org.emp_a, course=course)
        with pytest.raises(PermissionDenied):
            services.self_study_complete(actor=org.qm_a, assignment=assignment, password=PASSWORD, username="qm_a")
        assert not course.records.exists()

    def test_revised_procedure_makes_the_course_due_again(self, org, password_hash):
        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        v1 = effective_policy(password_hash, sites=[org.site_a], requires_acknowledgement=False)
        course = course_at(org.site_a, documents=[v1.document])
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        record = self.complete(org.emp_a, course)
        assert record.document_version == v1
        from training.models import TrainingRecord

        # trained yesterday; the revision becomes effective today (the signal assigns it at once)
        TrainingRecord.objects.filter(pk=record.pk).update(
            completed_on=timezone.localdate() - datetime.timedelta(days=1)
        )
        v2 = new_version_effective(v1.document, password_hash)
        again = Assignment.objects.get(person=org.emp_a, course=course, status="open")
        assert again.reason == AssignmentReason.DOCUMENT_REVISION and again.document_version_id == v2.pk
        assert not services.is_current(person=org.emp_a, course=course)

    def test_recurrence_comes_due_within_the_grace_period(self, org):
        from training.models import TrainingRecord

        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], recurrence_months=12, grace_days=30)
        record = self.complete(org.emp_a, course)
        TrainingRecord.objects.filter(pk=record.pk).update(
            valid_until=timezone.localdate() + datetime.timedelta(days=20)
        )
        assert assignments.assignments_reconcile()["created"] == 1
        due = Assignment.objects.get(person=org.emp_a, course=course, status="open")
        assert due.reason == AssignmentReason.RECURRENCE
        assert due.due_date == timezone.localdate() + datetime.timedelta(days=20)


class TestSignerQualification:
    def test_untrained_approver_is_refused_and_nothing_is_signed(self, org, password_hash):
        from tests.policies.ack_factories import controllers

        author, reviewer, approver = controllers(password_hash)
        course = course_at(org.site_a, code="DOC-APPROVAL")
        SignerQualification.objects.create(doc_type="policy", course=course)
        document = doc_services.document_create(
            actor=author,
            number="POL-Q-1",
            title="Q",
            doc_type="policy",
            disciplines=["quality"],
            owner=author,
            sites=[org.site_a],
            body="# Q",
            effective_date=timezone.localdate(),
        )
        version = document.versions.get()
        doc_services.version_submit(actor=author, version=version)
        with pytest.raises(SignatureRefused) as refused:
            doc_services.version_review(actor=reviewer, version=version, password=PASSWORD, username=reviewer.username)
        assert refused.value.code == "training_required"
        assert "DOC-APPROVAL" in refused.value.message
        from ims.esign.models import Signature

        assert not Signature.objects.for_record(version).exists()

    def test_trained_approver_signs(self, org, password_hash):
        from tests.policies.ack_factories import controllers, make_effective
        from training.models import TrainingRecord

        author, reviewer, approver = controllers(password_hash)
        course = course_at(org.site_a, code="DOC-APPROVAL")
        SignerQualification.objects.create(doc_type="policy", course=course)
        for signer in (reviewer, approver):
            assignment = services.assignment_create_manual(
                actor=None, person=signer, course=course, site=org.site_a, due_date=timezone.localdate()
            )
            services.self_study_complete(
                actor=signer, assignment=assignment, password=PASSWORD, username=signer.username
            )
        assert TrainingRecord.objects.filter(course=course).count() == 2
        document = doc_services.document_create(
            actor=author,
            number="POL-Q-2",
            title="Q",
            doc_type="policy",
            disciplines=["quality"],
            owner=author,
            sites=[org.site_a],
            body="# Q",
            effective_date=timezone.localdate(),
        )
        version = make_effective(document.versions.get(), password_hash)
        assert version.status == "effective"
