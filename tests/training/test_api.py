"""``/api/v1/training/…``: same services and scoping as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory, SiteFactory
from ims.testing.kit import if_match
from training.choices import AssignmentStatus, CancelReason
from training.models import Assignment, Course, TrainingRequirement

from .factories import course_at, require
from .test_isolation import assignment_at, certified, record_at, record_for

pytestmark = pytest.mark.django_db
JSON = "application/json"
REASON = {"change_reason": "No longer needed at this site"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_api_paths_are_mounted_under_training():
    assert reverse("training-course-list") == "/api/v1/training/courses/"
    assert reverse("training-assignment-withdraw", args=[1]) == "/api/v1/training/assignments/1/withdraw/"
    assert reverse("training-record-detail", args=[1]) == "/api/v1/training/records/1/"


class TestRequirements:
    def test_creating_a_requirement_assigns_people_and_deactivating_cancels(self, org, client_for):
        course = course_at(org.site_a)
        client = client_for(org.qm_a)
        response = client.post(
            reverse("training-requirement-list"),
            {"site": "SITEA", "role": RoleCode.EMPLOYEE, "course": course.code, "grace_days": 7},
            content_type=JSON,
        )
        assert response.status_code == 201, response.json()
        requirement = TrainingRequirement.objects.get(pk=response.json()["id"])
        listed = client.get(reverse("training-assignment-list"), {"course": course.pk}).json()
        assert [row["person"]["username"] for row in listed["results"]] == ["emp_a"]
        assert listed["results"][0]["requirement"] == requirement.pk

        deactivate = reverse("training-requirement-deactivate", args=[requirement.pk])
        assert client.post(deactivate, {}, content_type=JSON).status_code == 400  # reason required
        assert client.post(deactivate, REASON, content_type=JSON).status_code == 200
        assert not Assignment.objects.filter(course=course, status=AssignmentStatus.OPEN).exists()

    def test_course_or_curriculum_and_only_visible_sites(self, org, client_for):
        course = course_at(org.site_b)
        client = client_for(org.qm_a)
        url = reverse("training-requirement-list")
        neither = client.post(url, {"site": "SITEA"}, content_type=JSON)
        assert neither.status_code == 400
        elsewhere = client.post(url, {"site": "SITEB", "course": course.pk}, content_type=JSON)
        assert elsewhere.status_code == 400 and "site" in elsewhere.json()
        assert not TrainingRequirement.objects.exists()

    def test_requirements_are_not_edited(self, org, client_for):
        requirement = require(org.site_a, course_at(org.site_a))
        url = reverse("training-requirement-detail", args=[requirement.pk])
        answer = client_for(org.qm_a).patch(url, {"grace_days": 3, **REASON}, content_type=JSON)
        assert answer.status_code == 405


class TestScoping:
    def test_other_sites_rows_answer_404(self, org, client_for):
        course = course_at(org.site_a)
        requirement = require(org.site_a, course)
        assignment = Assignment.objects.filter(course=course).first()
        client = client_for(org.qm_b)
        for name, pk in (
            ("training-course-detail", course.pk),
            ("training-requirement-detail", requirement.pk),
            ("training-assignment-detail", assignment.pk),
        ):
            assert client.get(reverse(name, args=[pk])).status_code == 404, name
        withdraw = reverse("training-assignment-withdraw", args=[assignment.pk])
        assert client.post(withdraw, {"note": "x"}, content_type=JSON).status_code == 404
        patch = client.patch(
            reverse("training-course-detail", args=[course.pk]), {"title": "X", **REASON}, content_type=JSON
        )
        assert patch.status_code == 404

    @pytest.mark.parametrize(
        "name", ["training-course", "training-curriculum", "training-requirement", "training-assignment"]
    )
    def test_delete_is_not_allowed(self, org, client_for, name):
        course = course_at(org.site_a)
        rows = {
            "training-course": course,
            "training-curriculum": None,
            "training-requirement": require(org.site_a, course),
            "training-assignment": None,
        }
        if name == "training-curriculum":
            from training import catalogue

            rows[name] = catalogue.curriculum_create(
                actor=None, sites=[org.site_a], courses=[course], code="C1", title="C"
            )
        if name == "training-assignment":
            rows[name] = Assignment.objects.filter(course=course).first()
        row = rows[name]
        assert client_for(org.qm_a).delete(reverse(f"{name}-detail", args=[row.pk])).status_code == 405
        assert type(row)._base_manager.filter(pk=row.pk).exists()

    def test_records_are_read_only(self, org, client_for):
        record = record_at(org.site_a)
        client = client_for(org.qm_a)
        assert client.delete(reverse("training-record-detail", args=[record.pk])).status_code == 405
        assert client.post(reverse("training-record-list"), {}, content_type=JSON).status_code == 405


class TestAssignments:
    def test_manual_create_and_withdraw_with_a_note(self, org, client_for):
        course = course_at(org.site_a)
        client = client_for(org.qm_a)
        due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
        created = client.post(
            reverse("training-assignment-list"),
            {"person": org.emp_a.pk, "course": course.code, "site": "SITEA", "due_date": due},
            content_type=JSON,
        )
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["reason"], body["status"], body["assigned_by"]) == ("manual", "open", org.qm_a.pk)
        again = client.post(
            reverse("training-assignment-list"),
            {"person": org.emp_a.pk, "course": course.code, "site": "SITEA", "due_date": due},
            content_type=JSON,
        )
        assert again.status_code == 400  # already open

        withdraw = reverse("training-assignment-withdraw", args=[body["id"]])
        assert client.post(withdraw, {}, content_type=JSON).status_code == 400
        answer = client.post(withdraw, {"note": "Wrong course"}, content_type=JSON)
        assert answer.status_code == 200
        assert (answer.json()["status"], answer.json()["cancel_note"]) == ("cancelled", "Wrong course")
        assert answer.json()["cancel_reason"] == CancelReason.WITHDRAWN
        assert client.post(withdraw, {"note": "Again"}, content_type=JSON).status_code == 400  # not open

    def test_employee_reads_own_but_cannot_assign_or_withdraw(self, org, client_for):
        own = assignment_at(org.site_a, person=org.emp_a)
        client = client_for(org.emp_a)
        assert client.get(reverse("training-assignment-list")).json()["count"] == 0
        assert client.get(reverse("training-assignment-detail", args=[own.pk])).status_code == 200
        withdraw = reverse("training-assignment-withdraw", args=[own.pk])
        assert client.post(withdraw, {"note": "No"}, content_type=JSON).status_code == 403
        body = {"person": org.emp_a.pk, "course": course_at(org.site_a).pk, "site": "SITEA", "due_date": "2099-01-01"}
        assert client.post(reverse("training-assignment-list"), body, content_type=JSON).status_code == 403

    def test_overdue_filter(self, org, client_for):
        late = assignment_at(org.site_a, person=org.emp_a)
        Assignment.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))
        assignment_at(org.site_a, person=org.qm_a)
        rows = client_for(org.qm_a).get(reverse("training-assignment-list"), {"overdue": "true"}).json()["results"]
        assert [(row["id"], row["is_overdue"]) for row in rows] == [(late.pk, True)]


class TestRecords:
    def test_record_carries_its_signature_manifestation(self, org, client_for):
        person = certified(org.emp_a)
        record = record_for(person, org.site_a)
        for viewer in (org.qm_a, org.emp_a):
            data = client_for(viewer).get(reverse("training-record-detail", args=[record.pk])).json()
            assert data["signature"]["meaning"] == "trained"
            assert data["signature"]["signer_name"] == person.display_name
            assert data["signature"]["manifestation"]
        assert client_for(org.qm_b).get(reverse("training-record-detail", args=[record.pk])).status_code == 404


class TestCourses:
    def test_create_update_and_code_never_changes(self, org, client_for):
        client = client_for(org.qm_a)
        created = client.post(
            reverse("training-course-list"),
            {"code": "sop-12", "title": "Cleaning", "sites": ["SITEA"], "duration_minutes": 20},
            content_type=JSON,
        )
        assert created.status_code == 201, created.json()
        course = Course.objects.get(code="SOP-12")
        url = reverse("training-course-detail", args=[course.pk])
        assert client.patch(url, {"title": "Cleaning v2"}, content_type=JSON).status_code == 400  # reason
        version = if_match(client, url)
        assert client.patch(url, {"title": "Cleaning v2", **REASON}, content_type=JSON).status_code == 428  # version
        assert client.patch(url, {"title": "Cleaning v2", **REASON}, content_type=JSON, **version).status_code == 200
        version = if_match(client, url)
        assert client.patch(url, {"code": "OTHER", **REASON}, content_type=JSON, **version).status_code == 400
        assert client.post(
            reverse("training-course-list"), {"code": "B-1", "title": "B", "sites": ["SITEB"]}, content_type=JSON
        ).status_code in {400, 403}
        assert not Course.objects.filter(code="B-1").exists()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("training-course", lambda site, person: course_at(site)),
        ("training-requirement", lambda site, person: require(site, course_at(site))),
        ("training-assignment", lambda site, person: assignment_at(site, person=person)),
        ("training-record", lambda site, person: record_for(person, site)),
    ],
)
def test_query_count_is_the_same_for_1_and_20_rows(org, client_for, name, make):
    site = SiteFactory()
    manager = PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)
    trainee = certified(PersonFactory(site=site))
    client = client_for(manager)
    url = reverse(f"{name}-list")

    def count() -> tuple[int, int]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 50})
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    make(site, trainee)
    one = count()
    for _ in range(19):
        make(site, trainee)
    many = count()
    assert many[0] == one[0], (one, many)
    assert many[1] >= 20
