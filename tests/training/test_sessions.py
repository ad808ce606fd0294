"""Instructor-led sessions: capacity, code check-in, the trainer's roster, signing "trained", the attendance sheet."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ims.access.sync import role_groups_sync
from ims.esign.services import SignatureRefused, certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person, Role
from tests.conftest import PASSWORD
from training import sessions
from training.choices import AssignmentStatus, TrainingMethod
from training.models import Assignment, Attendance, SessionStatus, TrainingRecord, TrainingSession

from .factories import course_at, require

pytestmark = [pytest.mark.django_db]

# --- builders (also used by test_session_isolation.py) --------------------------------------------------------


def session_roles_apply() -> None:
    """The role permissions sessions rely on (to be carried by ``ims.org.roles``; a no-op once they are):
    trainers run their own sessions; employees see their own attendance only."""
    run = Permission.objects.get(content_type__app_label="training", codename="run_trainingsession")
    view_attendance = Permission.objects.get(content_type__app_label="training", codename="view_attendance")
    Role.objects.get(code=RoleCode.TRAINER).permissions.add(run)
    Role.objects.get(code=RoleCode.EMPLOYEE).permissions.remove(view_attendance)
    role_groups_sync()


def person_at(site, username: str, role: str, *, password_hash: str | None = None, function=None) -> Person:
    from ims.org.models import Function

    person = org_services.person_create(
        username=username,
        employee_id=username.upper(),
        first_name=username.split("_")[0].capitalize(),
        last_name=username.split("_")[-1].capitalize(),
        email=f"{username}@example.com",
    )
    if password_hash:
        Person.objects.filter(pk=person.pk).update(password=password_hash)
        person.password = password_hash
    function = function or Function.objects.order_by("pk").first()
    org_services.membership_create(person=person, site=site, function=function, role=Role.objects.get(code=role))
    return person


def session_at(site, *, course=None, trainer=None, start_in=datetime.timedelta(minutes=-10), hours=1, capacity=20):
    """A session at ``site``, by default running now (started ten minutes ago)."""
    course = course or course_at(site)
    starts = timezone.now() + start_in
    return sessions.session_create(
        actor=None,
        course=course,
        site=site,
        location="Training room 2",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        capacity=capacity,
        trainer=trainer,
        trainer_name="" if trainer else "Dr. Ext Ernal",
        trainer_organisation="" if trainer else "GMP Academy",
    )


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    return " ".join(pages), len(pages)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _session_roles(_roles):
    session_roles_apply()


@pytest.fixture
def trainer(org, password_hash):
    return person_at(org.site_a, "trainer_a", RoleCode.TRAINER, password_hash=password_hash)


@pytest.fixture
def course(org):
    course = course_at(org.site_a, code="GMP-101", title="GMP basics")
    require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
    return course


@pytest.fixture
def running(org, trainer, course):
    """A session of the course at site A, running now, given by the site's trainer."""
    return session_at(org.site_a, course=course, trainer=trainer)


def certify(person):
    certification_create(person=person, password=PASSWORD, username=person.username, session={})


# --- planning --------------------------------------------------------------------------------------------------


class TestPlanning:
    def test_quality_manager_plans_in_site_time_and_it_is_stored_in_utc(self, org, client_for, trainer):
        course = course_at(org.site_b, code="GMP-B")
        trainer_b = person_at(org.site_b, "trainer_b", RoleCode.TRAINER)
        response = client_for(org.qm_b).post(
            reverse("training:session_add"),
            {
                "course": course.pk,
                "site": org.site_b.pk,
                "starts_at": "2030-01-15T09:00",
                "ends_at": "2030-01-15T11:30",
                "location": "Lab 3",
                "capacity": 12,
                "trainer": trainer_b.pk,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        session = TrainingSession.objects.get(course=course)
        assert session.starts_at == datetime.datetime(2030, 1, 15, 14, 0, tzinfo=datetime.UTC)  # New York, EST
        assert session.ends_at == datetime.datetime(2030, 1, 15, 16, 30, tzinfo=datetime.UTC)
        assert len(session.code) == 6 and session.status == SessionStatus.PLANNED
        page = client_for(org.qm_b).get(session.get_absolute_url()).content.decode()
        assert "2030-01-15 09:00" in page and "America/New_York" in page
        assert session.code in page  # the manager sees the code

    def test_employee_and_trainer_cannot_plan_and_do_not_see_the_code(self, org, client_for, running, course):
        assert client_for(org.emp_a).get(reverse("training:session_add")).status_code == 403
        with pytest.raises(PermissionDenied):
            sessions.session_create(
                actor=org.emp_a,
                course=course,
                site=org.site_a,
                location="x",
                starts_at=running.starts_at,
                ends_at=running.ends_at,
                capacity=3,
                trainer_name="X",
            )
        page = client_for(org.emp_a).get(running.get_absolute_url())
        assert page.status_code == 200 and running.code not in page.content.decode()
        api = client_for(org.emp_a).get(reverse("training-session-detail", args=[running.pk])).json()
        assert api["code"] is None
        assert (
            client_for(running.trainer).get(reverse("training-session-detail", args=[running.pk])).json()["code"]
            == running.code
        )

    def test_trainer_must_be_a_trainer_at_the_site(self, org, course):
        with pytest.raises(ValidationError) as error:
            session_at(org.site_a, course=course, trainer=org.emp_a)
        assert "trainer" in error.value.message_dict

    def test_api_creates_with_site_local_time_and_cannot_delete(self, org, client_for, trainer, course):
        client = client_for(org.qm_a)
        body = {
            "course": "GMP-101",
            "site": "SITEA",
            "trainer": trainer.pk,
            "location": "Room 1",
            "starts_at": "2030-07-01T08:00",
            "ends_at": "2030-07-01T09:00",
            "capacity": 5,
        }
        response = client.post(reverse("training-session-list"), body, content_type="application/json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["starts_at"] == "2030-07-01T06:00:00Z"  # Zurich, summer time
        assert data["starts_at_local"].startswith("2030-07-01T08:00") and data["time_zone"] == "Europe/Zurich"
        assert data["code"] and data["enrolled_count"] == 0
        assert client.delete(reverse("training-session-detail", args=[data["id"]])).status_code == 405
        cancel = client.post(
            reverse("training-session-deactivate", args=[data["id"]]),
            {"change_reason": "Trainer ill"},
            content_type="application/json",
        )
        assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"

    def test_openapi_schema_lists_sessions_and_attendance(self, org, client_for):
        paths = client_for(org.admin).get(reverse("api-schema"), {"format": "json"}).json()["paths"]
        assert "/api/v1/training/sessions/" in paths
        assert "post" in paths["/api/v1/training/sessions/{id}/close/"]
        assert "post" in paths["/api/v1/training/attendances/check-in/"]
        assert "post" in paths["/api/v1/training/attendances/{id}/mark/"]
        assert "post" in paths["/api/v1/training/attendances/{id}/sign/"]
        assert "delete" not in paths["/api/v1/training/sessions/{id}/"]


# --- enrolment -------------------------------------------------------------------------------------------------


class TestEnrolment:
    def test_capacity_is_enforced(self, org, trainer, course):
        session = session_at(org.site_a, course=course, trainer=trainer, capacity=1)
        sessions.attendance_enrol(actor=org.qm_a, session=session, person=org.emp_a)
        with pytest.raises(sessions.SessionRefused) as full:
            sessions.attendance_enrol(actor=org.qm_a, session=session, person=org.qm_a)
        assert full.value.code == "session_full"
        assert session.attendances.count() == 1
        with pytest.raises(ValidationError):
            sessions.session_update(actor=org.qm_a, session=session, data={"capacity": 0})

    def test_people_of_another_site_cannot_be_enrolled_or_see_the_session(self, org, client_for, running):
        with pytest.raises(ValidationError) as error:
            sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_b)
        assert "person" in error.value.message_dict
        with pytest.raises(PermissionDenied):
            sessions.attendance_enrol(actor=org.qm_b, session=running, person=org.emp_b)
        api = client_for(org.qm_a).post(
            reverse("training-attendance-list"),
            {"session": running.pk, "person": org.emp_b.pk},
            content_type="application/json",
        )
        assert api.status_code == 400
        assert client_for(org.emp_b).get(running.get_absolute_url()).status_code == 404
        listed = client_for(org.emp_b).get(reverse("training-session-list")).json()
        assert listed["count"] == 0
        assert not running.attendances.exists()

    def test_trainer_enrols_on_the_page_by_employee_id(self, org, client_for, running):
        response = client_for(running.trainer).post(
            reverse("training:session_enrol", args=[running.pk]), {"person": "EMP_A"}
        )
        assert response.status_code == 302
        assert running.attendances.get().person == org.emp_a
        page = client_for(running.trainer).get(running.get_absolute_url()).content.decode()
        assert "Emp A" in page or org.emp_a.display_name in page


# --- check-in with the code ----------------------------------------------------------------------------------


class TestCheckIn:
    def test_right_code_checks_the_person_in(self, org, running):
        sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        attendance = sessions.attendance_check_in(actor=org.emp_a, code=f" {running.code.lower()} ")
        assert attendance.attended is True and attendance.checked_in_by == "self"
        assert attendance.checked_in_at is not None and attendance.marked_by == org.emp_a

    def test_a_walk_in_of_the_site_is_enrolled(self, org, running):
        attendance = sessions.attendance_check_in(actor=org.emp_a, code=running.code)
        assert attendance.attended and attendance.enrolled_by == org.emp_a

    def test_wrong_code_records_nothing(self, org, client_for, running):
        response = client_for(org.emp_a).post(reverse("training:session_checkin"), {"code": "ZZZZZZ"})
        assert response.status_code == 400
        assert "No session has this code" in response.content.decode()
        assert not Attendance.objects.exists()

    def test_expired_code_records_nothing(self, org, client_for, trainer, course):
        past = session_at(org.site_a, course=course, trainer=trainer, start_in=datetime.timedelta(hours=-3))
        sessions.attendance_enrol(actor=org.qm_a, session=past, person=org.emp_a)
        with pytest.raises(ValidationError) as error:
            sessions.attendance_check_in(actor=org.emp_a, code=past.code)
        assert "not valid now" in " ".join(error.value.messages)
        api = client_for(org.emp_a).post(
            reverse("training-attendance-check-in"), {"code": past.code}, content_type="application/json"
        )
        assert api.status_code == 400 and "code" in api.json()
        assert past.attendances.get().attended is None

    def test_a_person_of_another_site_gets_the_wrong_code_answer(self, org, running):
        with pytest.raises(ValidationError) as error:
            sessions.attendance_check_in(actor=org.emp_b, code=running.code)
        assert "No session has this code" in " ".join(error.value.messages)
        assert not running.attendances.exists()


# --- the trainer's roster -----------------------------------------------------------------------------------------


class TestRoster:
    def test_only_the_sessions_trainer_marks_attendance(self, org, client_for, running, password_hash):
        attendance = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        other_trainer = person_at(org.site_a, "other_trainer", RoleCode.TRAINER)
        for outsider in (other_trainer, org.emp_a, org.qm_b):
            with pytest.raises(PermissionDenied):
                sessions.attendance_mark(actor=outsider, attendance=attendance, attended=True)
        url = reverse("training:attendance_mark", args=[attendance.pk])
        assert client_for(org.emp_a).post(url, {"attended": "1"}).status_code == 404
        assert client_for(other_trainer).post(url, {"attended": "1"}).status_code == 403
        api = reverse("training-attendance-mark", args=[attendance.pk])
        assert (
            client_for(other_trainer).post(api, {"attended": True}, content_type="application/json").status_code == 403
        )
        attendance.refresh_from_db()
        assert attendance.attended is None
        assert client_for(running.trainer).post(url, {"attended": "1"}).status_code == 302
        attendance.refresh_from_db()
        assert attendance.attended is True and attendance.checked_in_by == "trainer"
        assert attendance.marked_by == running.trainer
        answer = client_for(running.trainer).post(api, {"attended": False}, content_type="application/json")
        assert answer.status_code == 200 and answer.json()["attended"] is False

    def test_closing_records_the_unmarked_absent(self, org, running):
        present = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        absent = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.qm_a)
        sessions.attendance_mark(actor=running.trainer, attendance=present, attended=True)
        with pytest.raises(PermissionDenied):
            sessions.session_close(actor=org.emp_a, session=running)
        sessions.session_close(actor=running.trainer, session=running)
        running.refresh_from_db()
        absent.refresh_from_db()
        assert running.status == SessionStatus.HELD and running.held_at is not None
        assert absent.attended is False
        with pytest.raises(ValidationError):
            sessions.attendance_check_in(actor=org.emp_a, code=running.code)  # closed: the code no longer works

    def test_employees_see_only_their_own_attendance(self, org, client_for, running):
        own = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.qm_a)
        client = client_for(org.emp_a)
        assert client.get(reverse("training-attendance-list")).json()["count"] == 0
        assert [a["id"] for a in client.get(reverse("training-attendance-mine")).json()["results"]] == [own.pk]
        assert client.get(reverse("training:session_sheet", args=[running.pk])).status_code == 403
        page = client.get(running.get_absolute_url())
        assert [a.pk for a, _m in page.context["rows"]] == [own.pk]


# --- signing "trained" ------------------------------------------------------------------------------------------


class TestSigning:
    def test_signing_after_attendance_creates_the_record_and_closes_the_assignment(self, org, running, course):
        certify(org.emp_a)
        attendance = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        sessions.attendance_mark(actor=running.trainer, attendance=attendance, attended=True)
        sessions.session_close(actor=running.trainer, session=running)
        record = sessions.attendance_sign(actor=org.emp_a, attendance=attendance, password=PASSWORD, username="emp_a")
        assert record.method == TrainingMethod.SESSION and record.trainer == running.trainer
        assert record.signature.meaning == "trained" and record.signature.signer == org.emp_a
        assert record.completed_on == running.starts_local.date()
        assert Assignment.objects.get(pk=record.assignment_id).status == AssignmentStatus.COMPLETED
        attendance.refresh_from_db()
        assert attendance.record == record
        with pytest.raises(ValidationError):
            sessions.attendance_mark(actor=running.trainer, attendance=attendance, attended=False)

    def test_nothing_is_signed_without_presence_or_with_a_wrong_password(self, org, running):
        certify(org.emp_a)
        attendance = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.emp_a)
        with pytest.raises(sessions.SessionRefused):
            sessions.attendance_sign(actor=org.emp_a, attendance=attendance, password=PASSWORD, username="emp_a")
        sessions.attendance_mark(actor=running.trainer, attendance=attendance, attended=True)
        with pytest.raises(PermissionDenied):
            sessions.attendance_sign(actor=org.qm_a, attendance=attendance, password=PASSWORD, username="qm_a")
        with pytest.raises(SignatureRefused):
            sessions.attendance_sign(actor=org.emp_a, attendance=attendance, password="wrong", username="emp_a")
        assert not TrainingRecord.objects.exists()
        attendance.refresh_from_db()
        assert attendance.record is None

    def test_phone_flow_check_in_then_sign(self, org, client_for, running, course):
        certify(org.emp_a)
        client = client_for(org.emp_a)
        assert client.get(reverse("training:session_checkin")).status_code == 200
        response = client.post(reverse("training:session_checkin"), {"code": running.code})
        attendance = Attendance.objects.get(session=running, person=org.emp_a)
        assert response.status_code == 302
        assert response["Location"] == reverse("training:attendance_sign", args=[attendance.pk])
        page = client.get(response["Location"])
        assert page.status_code == 200 and "I was trained on GMP-101" in page.content.decode()
        assert client_for(org.qm_a).get(response["Location"]).status_code == 404  # somebody else's
        signed = client.post(response["Location"], {"username": "emp_a", "password": PASSWORD})
        assert signed.status_code == 302
        attendance.refresh_from_db()
        assert attendance.record.signature.meaning == "trained"
        assert not Assignment.objects.filter(person=org.emp_a, course=course, status="open").exists()

    def test_api_sign(self, org, client_for, running):
        certify(org.emp_a)
        client = client_for(org.emp_a)
        checked = client.post(
            reverse("training-attendance-check-in"), {"code": running.code}, content_type="application/json"
        )
        assert checked.status_code == 200, checked.content
        pk = checked.json()["id"]
        url = reverse("training-attendance-sign", args=[pk])
        wrong = client.post(url, {"username": "emp_a", "password": "nope"}, content_type="application/json")
        assert wrong.status_code == 401
        signed = client.post(url, {"username": "emp_a", "password": PASSWORD}, content_type="application/json")
        assert signed.status_code == 200, signed.content
        assert signed.json()["signature"]["meaning"] == "trained"
        again = client.post(url, {"username": "emp_a", "password": PASSWORD}, content_type="application/json")
        assert again.status_code == 409


# --- the attendance sheet ------------------------------------------------------------------------------------------


class TestAttendanceSheet:
    def test_sheet_has_course_trainer_place_site_time_attendees_and_signatures(self, org, client_for, running):
        certify(org.emp_a)
        signer = sessions.attendance_check_in(actor=org.emp_a, code=running.code)
        absent = sessions.attendance_enrol(actor=org.qm_a, session=running, person=org.qm_a)
        sessions.attendance_mark(actor=running.trainer, attendance=absent, attended=False)
        record = sessions.attendance_sign(actor=org.emp_a, attendance=signer, password=PASSWORD, username="emp_a")
        response = client_for(running.trainer).get(reverse("training:session_sheet", args=[running.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        text, pages = pdf_text(response.content)
        local_start = running.starts_at.astimezone(org.site_a.tzinfo).strftime("%Y-%m-%d %H:%M")
        assert "GMP-101" in text and "GMP basics" in text
        assert running.trainer.display_name in text and "Training room 2" in text
        assert f"{local_start}" in text and "Europe/Zurich" in text
        assert org.emp_a.display_name in text and org.qm_a.display_name in text
        assert "Present" in text and "Absent" in text
        signed_utc = record.signature.signed_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
        assert f"{org.emp_a.display_name} · Trained" in text
        assert signed_utc.replace("+00:00", "Z") in text
        assert f"Page 1 of {pages}" in text

    def test_external_trainer_is_named_with_the_organisation(self, org, client_for, course):
        session = session_at(org.site_a, course=course)
        response = client_for(org.qm_a).get(reverse("training:session_sheet", args=[session.pk]))
        text, _pages = pdf_text(response.content)
        assert "Dr. Ext Ernal (GMP Academy)" in text


def test_check_in_pauses_after_ten_wrong_codes(org):
    """Guessing session codes is limited per person (anti-automation, like the sign-in lockout)."""
    from django.core.cache import cache

    from training import sessions as session_services

    cache.delete(f"training:check-in-failures:{org.emp_a.pk}")
    for _ in range(session_services.CHECK_IN_FAILURE_LIMIT):
        with pytest.raises(session_services.SessionRefused):
            session_services.attendance_check_in(actor=org.emp_a, code="ZZZZZZ")
    with pytest.raises(session_services.SessionRefused) as refused:
        session_services.attendance_check_in(actor=org.emp_a, code="ZZZZZZ")
    assert "Too many wrong codes" in str(refused.value)
    cache.delete(f"training:check-in-failures:{org.emp_a.pk}")
