"""Training pages: courses, requirements, assignments and records; writes go through the services."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ims.org.choices import RoleCode
from training.choices import AssignmentReason, AssignmentStatus, CancelReason
from training.models import Assignment, Course, TrainingRequirement

from .factories import course_at, require
from .test_isolation import assignment_at, certified, record_for

pytestmark = pytest.mark.django_db
REASON = "Yearly review of the course"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def open_people(course) -> set[str]:
    return set(
        Assignment.objects.filter(course=course, status=AssignmentStatus.OPEN).values_list(
            "person__username", flat=True
        )
    )


class TestCourses:
    def test_quality_manager_adds_and_edits_a_course_of_their_site(self, org, client_for):
        client = client_for(org.qm_a)
        response = client.post(
            reverse("training:course_add"),
            {"code": "gmp-101", "title": "GMP basics", "sites": [org.site_a.pk], "duration_minutes": 60},
        )
        assert response.status_code == 302, response.context["form"].errors
        course = Course.objects.get(code="GMP-101")
        assert list(course.sites.all()) == [org.site_a]
        assert response["Location"] == course.get_absolute_url()

        edit = reverse("training:course_edit", args=[course.pk])
        data = {"code": "GMP-101", "title": "GMP basics, revised", "sites": [org.site_a.pk], "duration_minutes": 45}
        assert client.post(edit, data).status_code == 400  # no reason for change
        assert client.post(edit, {**data, "change_reason": REASON}).status_code == 302
        course.refresh_from_db()
        assert (course.title, course.duration_minutes) == ("GMP basics, revised", 45)

    def test_quality_manager_cannot_offer_a_course_at_another_site(self, org, client_for):
        response = client_for(org.qm_a).post(
            reverse("training:course_add"), {"code": "X-1", "title": "X", "sites": [org.site_b.pk]}
        )
        assert response.status_code == 400
        assert not Course.objects.filter(code="X-1").exists()

    def test_other_sites_quality_manager_gets_404(self, org, client_for):
        course = course_at(org.site_a)
        client = client_for(org.qm_b)
        for name in ("training:course_detail", "training:course_edit"):
            assert client.get(reverse(name, args=[course.pk])).status_code == 404
        deactivate = reverse("training:course_deactivate", args=[course.pk])
        assert client.post(deactivate, {"change_reason": REASON}).status_code == 404
        course.refresh_from_db()
        assert course.is_active

    def test_employee_reads_but_cannot_add(self, org, client_for):
        course = course_at(org.site_a)
        client = client_for(org.emp_a)
        assert client.get(reverse("training:course_detail", args=[course.pk])).status_code == 200
        assert client.get(reverse("training:course_add")).status_code == 403
        assert client.post(reverse("training:course_add"), {"code": "E-1", "title": "E"}).status_code == 403
        assert client.get(reverse("training:requirement_add")).status_code == 403
        assert not Course.objects.filter(code="E-1").exists()

    def test_detail_lists_materials_and_who_is_required_assigned_current(self, org, client_for):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        client = client_for(org.qm_a)
        client.post(
            reverse("training:material_add"),
            {"course": course.pk, "title": "Walk-through video", "url": "https://example.com/v"},
        )
        response = client.get(reverse("training:course_detail", args=[course.pk]))
        html = response.content.decode()
        assert "Walk-through video" in html
        row = response.context["people_rows"][0]
        assert (row["site"], row["required"], row["open"], row["current"]) == (org.site_a, 1, 1, 0)
        assert [a.person for a, _pill in response.context["open_assignments"]] == [org.emp_a]

    def test_deactivating_a_course_cancels_its_automatic_assignments(self, org, client_for):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        url = reverse("training:course_deactivate", args=[course.pk])
        assert client_for(org.qm_a).post(url, {"change_reason": REASON}).status_code == 302
        assert open_people(course) == set()


class TestRequirements:
    def test_adding_a_requirement_assigns_the_people_in_scope(self, org, client_for):
        course = course_at(org.site_a)
        response = client_for(org.qm_a).post(
            reverse("training:requirement_add"),
            {"site": org.site_a.pk, "role": org.roles[RoleCode.EMPLOYEE].pk, "course": course.pk, "grace_days": 14},
        )
        assert response.status_code == 302, response.context["form"].errors
        assert open_people(course) == {"emp_a"}
        assignment = Assignment.objects.get(course=course)
        assert assignment.reason == AssignmentReason.MEMBERSHIP
        assert assignment.due_date == timezone.localdate() + datetime.timedelta(days=14)

    def test_deactivating_it_cancels_them(self, org, client_for):
        course = course_at(org.site_a)
        requirement = require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        url = reverse("training:requirement_deactivate", args=[requirement.pk])
        assert client_for(org.qm_a).post(url, {}).status_code == 400  # a reason is required
        assert open_people(course) == {"emp_a"}
        assert client_for(org.qm_a).post(url, {"change_reason": REASON}).status_code == 302
        assert open_people(course) == set()
        cancelled = Assignment.objects.get(course=course)
        assert cancelled.cancel_reason == CancelReason.LEFT_SCOPE

    def test_course_must_be_offered_at_the_site(self, org, client_for):
        course = course_at(org.site_b)
        response = client_for(org.qm_a).post(
            reverse("training:requirement_add"), {"site": org.site_a.pk, "course": course.pk, "grace_days": 30}
        )
        assert response.status_code == 400
        assert not TrainingRequirement.objects.exists()

    def test_other_sites_quality_manager_cannot_deactivate(self, org, client_for):
        requirement = require(org.site_a, course_at(org.site_a))
        url = reverse("training:requirement_deactivate", args=[requirement.pk])
        assert client_for(org.qm_b).post(url, {"change_reason": REASON}).status_code == 404
        assert (
            client_for(org.qm_b).get(reverse("training:requirement_detail", args=[requirement.pk])).status_code == 404
        )
        requirement.refresh_from_db()
        assert requirement.is_active


class TestAssignments:
    def test_manual_assignment_by_user_id(self, org, client_for):
        course = course_at(org.site_a)
        due = timezone.localdate() + datetime.timedelta(days=10)
        response = client_for(org.qm_a).post(
            reverse("training:assignment_add"),
            {"person": "emp_a", "course": course.pk, "site": org.site_a.pk, "due_date": due.isoformat()},
        )
        assert response.status_code == 302, response.context["form"].errors
        assignment = Assignment.objects.get(course=course, person=org.emp_a)
        assert (assignment.reason, assignment.assigned_by, assignment.due_date) == ("manual", org.qm_a, due)

    def test_cannot_assign_a_person_of_another_site(self, org, client_for):
        course = course_at(org.site_a)
        response = client_for(org.qm_a).post(
            reverse("training:assignment_add"),
            {"person": "emp_b", "course": course.pk, "site": org.site_a.pk, "due_date": "2099-01-01"},
        )
        assert response.status_code == 400
        assert not Assignment.objects.exists()

    def test_withdrawal_needs_a_note(self, org, client_for):
        assignment = assignment_at(org.site_a, person=org.emp_a)
        url = reverse("training:assignment_withdraw", args=[assignment.pk])
        client = client_for(org.qm_a)
        assert client.post(url, {"note": "  "}).status_code == 400
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.OPEN
        assert client.post(url, {"note": "Moved to another line"}).status_code == 302
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.CANCELLED
        assert (assignment.cancel_reason, assignment.cancel_note) == (CancelReason.WITHDRAWN, "Moved to another line")

    def test_employee_reads_own_assignment_but_cannot_withdraw_it(self, org, client_for):
        own = assignment_at(org.site_a, person=org.emp_a)
        colleagues = assignment_at(org.site_a, person=org.qm_a)
        client = client_for(org.emp_a)
        assert client.get(reverse("training:assignment_detail", args=[own.pk])).status_code == 200
        assert client.get(reverse("training:assignment_detail", args=[colleagues.pk])).status_code == 404
        url = reverse("training:assignment_withdraw", args=[own.pk])
        assert client.post(url, {"note": "I'd rather not"}).status_code == 403
        own.refresh_from_db()
        assert own.status == AssignmentStatus.OPEN

    def test_list_filters_overdue_and_reason(self, org, client_for):
        late = assignment_at(org.site_a, person=org.emp_a)
        Assignment.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
        on_time = assignment_at(org.site_a, person=org.qm_a)
        client = client_for(org.qm_a)

        def rows(**params):
            response = client.get(reverse("training:assignment_list"), params)
            return {row.record.pk for row in response.context["table"].paginated_rows}

        assert rows(overdue="true") == {late.pk}
        assert rows(overdue="false") == {on_time.pk}
        assert rows(reason="manual", person=org.qm_a.pk) == {on_time.pk}
        assert rows(site=org.site_b.pk) == set()


class TestRecords:
    def test_record_detail_shows_the_signature_manifestation(self, org, client_for):
        person = certified(org.emp_a)
        record = record_for(person, org.site_a)
        for viewer in (org.qm_a, org.emp_a):
            response = client_for(viewer).get(reverse("training:record_detail", args=[record.pk]))
            assert response.status_code == 200
            html = response.content.decode()
            assert "data-signature" in html and person.display_name in html
            assert "Trained" in html or "trained" in html
        assert client_for(org.qm_b).get(reverse("training:record_detail", args=[record.pk])).status_code == 404
