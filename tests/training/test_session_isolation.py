"""Site isolation of training sessions and attendance through the generic kit (ims.testing.kit).

Sessions have every page (list with CSV, detail, add, edit, cancel) and the generic API. Attendance has no list
page of its own (the roster is part of the session page) and no generic API write: enrolment is ``POST`` on the
list, and ``mark`` (trainer) and ``sign`` (attendee) are its writes. Employees see their own attendance only.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests
from training import sessions
from training.models import Attendance, TrainingSession

from .factories import course_at
from .test_sessions import session_at, session_roles_apply

#: Employees see their own attendance only (the role permissions applied by ``session_roles_apply``).
OWN_ATTENDANCE_ONLY = {"emp_a", "emp_b"}
NO_PAGE = ""


@pytest.fixture(autouse=True)
def _session_roles(_roles):
    session_roles_apply()


def new_session(site) -> TrainingSession:
    return session_at(site, course=course_at(site), capacity=200)


def local(value: datetime.datetime, site) -> str:
    return timezone.make_naive(value, site.tzinfo).strftime("%Y-%m-%dT%H:%M")


def session_form(site, course, *, location: str, starts: datetime.datetime) -> dict:
    return {
        "course": course.pk,
        "site": site.pk,
        "starts_at": local(starts, site),
        "ends_at": local(starts + datetime.timedelta(hours=2), site),
        "location": location,
        "capacity": 15,
        "trainer_name": "Ext Trainer",
        "trainer_organisation": "Academy",
    }


def edit_data(session: TrainingSession) -> dict:
    return session_form(session.site, session.course, location="Changed room", starts=session.starts_at)


def add_data(site) -> dict:
    return session_form(site, course_at(site), location="New room", starts=timezone.now() + datetime.timedelta(days=3))


def api_create(site) -> dict:
    return {
        "course": course_at(site).code,
        "site": site.code,
        "location": "API room",
        "starts_at": "2031-03-03T10:00",
        "ends_at": "2031-03-03T12:00",
        "capacity": 10,
        "trainer_name": "Ext Trainer",
    }


class TestTrainingSessionIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=TrainingSession,
        create=new_session,
        list_url="training:session_list",
        detail_url="training:session_detail",
        edit_url="training:session_edit",
        edit_data=edit_data,
        add_url="training:session_add",
        add_data=add_data,
        api="training-session",
        api_change=lambda session: {"location": "Changed room"},
        api_create=api_create,
        deactivate_url="training:session_cancel",
    )


def attendance_at(site) -> Attendance:
    """A running session at ``site`` with everyone of the site enrolled: the quality manager's attendance."""
    session = new_session(site)
    for person in sessions.site_people(site):
        sessions.attendance_enrol(actor=None, session=session, person=person)
    rows = session.attendances.select_related("person")
    managers = rows.filter(
        person__memberships__site=site, person__memberships__role__code=RoleCode.QUALITY_MANAGER
    ).first()
    return managers or rows.first()


def one_more_at(site) -> Attendance:
    """One more attendance at ``site``: a new person there, enrolled in a new session."""
    person = PersonFactory(site=site)
    return sessions.attendance_enrol(actor=None, session=new_session(site), person=person)


def enrol_body(site) -> dict:
    session = new_session(site)
    person = sessions.site_people(site).first()
    return {"session": session.pk, "person": person.pk}


class TestAttendanceIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=Attendance,
        create=attendance_at,
        more=one_more_at,
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        api="training-attendance",
        api_create=enrol_body,
    )

    def expected_rows(self, org, principal: str) -> set:
        if principal in OWN_ATTENDANCE_ONLY:
            return set()
        return super().expected_rows(org, principal)

    def own_row(self, world, principal):
        row = super().own_row(world, principal)
        if principal in OWN_ATTENDANCE_ONLY:  # not the colleagues' attendance: their own in the same session
            return Attendance.objects.get(session=row.session, person=getattr(world.org, principal))
        return row

    def writes(self, row) -> list[str]:
        return [
            reverse("training-attendance-mark", args=[row.pk]),
            reverse("training-attendance-sign", args=[row.pk]),
        ]
