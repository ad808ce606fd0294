"""Site isolation of the training catalogue, requirements, assignments and records through the generic kit.

Rows come from the services (``training.catalogue``, ``training.services``). Assignments and records are, like
read-and-acknowledge tasks, visible to the people who manage training at a site (quality managers, trainers,
inspectors); employees see only their own (``ims.org.roles.OWN_TASKS_ONLY``), so their lists are empty and "their
own row" is their own assignment or record. Assignments are withdrawn (with a note) rather than deactivated;
records are written by the trainee's signature only, so the API has no write for them.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ims.esign.services import certification_create, certification_current
from ims.org.models import Membership, Person
from ims.testing.factories import PersonFactory
from ims.testing.kit import SITE_READERS, ScopedModelCase, SiteIsolationTests, snapshot, with_reason
from training import catalogue, services
from training.models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement

from .factories import course_at, require

PASSWORD = "Correct-Horse-Battery-9"
#: Principals whose role shows them their own assignments and records only.
OWN_ONLY = {"emp_a", "emp_b"}


def in_a_month() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


def person_at(site) -> Person:
    return Membership.objects.filter(site=site).order_by("pk").first().person


def material_at(site) -> CourseMaterial:
    return catalogue.material_create(
        actor=None, course=course_at(site), title="Cleaning procedure walk-through", url="https://example.com/video"
    )


def curriculum_at(site) -> Curriculum:
    course = course_at(site)
    return catalogue.curriculum_create(
        actor=None, sites=[site], courses=[course], code=f"CUR-{course.code}", title="Basics"
    )


def assignment_at(site, person=None) -> Assignment:
    return services.assignment_create_manual(
        actor=None, person=person or person_at(site), course=course_at(site), site=site, due_date=in_a_month()
    )


def certified(person: Person) -> Person:
    """``person`` able to sign with ``PASSWORD`` (hashed with the hasher the test runs with)."""
    Person.objects.filter(pk=person.pk).update(password=make_password(PASSWORD))
    person.refresh_from_db()
    if certification_current(person) is None:
        certification_create(person=person, password=PASSWORD, username=person.username, session={})
    return person


def record_for(person: Person, site) -> TrainingRecord:
    """A signed record of a new course at ``site``: assigned by hand, completed as self-study."""
    assignment = assignment_at(site, person=person)
    return services.self_study_complete(
        actor=person, assignment=assignment, password=PASSWORD, username=person.username
    )


def trainee_at(site) -> Person:
    username = f"trainee_{site.code.lower()}"
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = PersonFactory(site=site, username=username)
    return certified(person)


def record_at(site) -> TrainingRecord:
    return record_for(trainee_at(site), site)


def post(client, url: str):
    body = with_reason({"note": "Not needed"})
    if url.startswith("/api/"):
        return client.post(url, body, content_type="application/json")
    return client.post(url, body)


class OwnRowsIsolationTests(SiteIsolationTests):
    """Employees list none of these rows; they read their own. Writes on colleagues' rows answer 404."""

    def own_of(self, person, site):
        raise NotImplementedError

    def expected_rows(self, org, principal: str) -> set:
        if principal in OWN_ONLY:
            return set()
        return super().expected_rows(org, principal)

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", SITE_READERS)
    def test_other_sites_detail_is_not_found(self, world, client_for, principal):
        own_site = getattr(world.org, SITE_READERS[principal])
        own, other = (world.row_a, world.row_b) if own_site == world.org.site_a else (world.row_b, world.row_a)
        person = getattr(world.org, principal)
        if principal in OWN_ONLY:
            own = self.own_of(person, own_site)
        client = client_for(person)
        assert client.get(self.detail(own)).status_code == 200
        assert client.get(self.detail(other)).status_code == 404
        assert client.get(self.api_detail(own)).status_code == 200
        assert client.get(self.api_detail(other)).status_code == 404

    def writes(self, row) -> list[str]:
        """Page and API URLs that change ``row`` (POST with a reason)."""
        urls = []
        if self.case.deactivate_url:
            urls.append(reverse(self.case.deactivate_url, args=[row.pk]))
        try:
            urls.append(reverse(f"{self.case.api}-deactivate", args=[row.pk]))
        except NoReverseMatch:
            pass
        return urls

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_deactivate(self, world, client_for):
        """A colleague's row is not even visible (404); one's own is visible but not theirs to change (403)."""
        employee = world.org.emp_a
        colleagues, own = world.row_a, self.own_of(employee, world.org.site_a)
        before = [snapshot(colleagues), snapshot(own)]
        client = client_for(employee)
        for row, expected in ((colleagues, 404), (own, 403)):
            for url in self.writes(row):
                assert post(client, url).status_code == expected, url
        assert [snapshot(colleagues), snapshot(own)] == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.2", "ASVS5-8.4.1")
    def test_other_sites_row_cannot_be_changed(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        client = client_for(world.org.qm_a)
        assert client.patch(self.api_detail(row), with_reason({}), content_type="application/json").status_code in {
            404,
            405,
        }
        for url in self.writes(row):
            assert post(client, url).status_code == 404, url
        assert snapshot(row) == before


# --- Catalogue ---------------------------------------------------------------------------------------------------


def course_form(course: Course) -> dict:
    return {
        "code": course.code,
        "title": f"{course.title} (revised)",
        "description": "Revised",
        "sites": list(course.sites.values_list("pk", flat=True)),
        "duration_minutes": 45,
    }


class TestCourseIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Course,
        create=course_at,
        list_url="training:course_list",
        detail_url="training:course_detail",
        api="training-course",
        edit_url="training:course_edit",
        edit_data=course_form,
        api_change=lambda course: {"title": "Renamed through the API"},
        add_url="training:course_add",
        add_data=lambda site: {"code": "GMP-NEW", "title": "New", "sites": [site.pk], "duration_minutes": 30},
        api_create=lambda site: {"code": "GMP-API", "title": "Through the API", "sites": [site.code]},
        deactivate_url="training:course_deactivate",
        export_key="code",
    )


class TestCourseMaterialIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=CourseMaterial,
        create=material_at,
        list_url="training:material_list",
        detail_url="training:material_detail",
        api="training-material",
        edit_url="training:material_edit",
        edit_data=lambda material: {
            "course": material.course_id,
            "title": "Renamed on the page",
            "url": material.url,
        },
        api_change=lambda material: {"title": "Renamed through the API"},
        add_url="training:material_add",
        add_data=lambda site: {"course": course_at(site).pk, "title": "New", "url": "https://example.com/new"},
        api_create=lambda site: {"course": course_at(site).pk, "title": "New", "url": "https://example.com/new"},
        deactivate_url="training:material_deactivate",
    )


class TestCurriculumIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Curriculum,
        create=curriculum_at,
        list_url="training:curriculum_list",
        detail_url="training:curriculum_detail",
        api="training-curriculum",
        edit_url="training:curriculum_edit",
        edit_data=lambda curriculum: {
            "code": curriculum.code,
            "title": "Renamed on the page",
            "sites": list(curriculum.sites.values_list("pk", flat=True)),
            "courses": list(curriculum.courses.values_list("pk", flat=True)),
        },
        api_change=lambda curriculum: {"title": "Renamed through the API"},
        add_url="training:curriculum_add",
        add_data=lambda site: {"code": "CUR-NEW", "title": "New", "sites": [site.pk], "courses": [course_at(site).pk]},
        api_create=lambda site: {"code": "CUR-API", "title": "New", "sites": [site.code], "courses": []},
        deactivate_url="training:curriculum_deactivate",
        export_key="code",
    )


# --- Requirements, assignments, records ---------------------------------------------------------------------------


class TestTrainingRequirementIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=TrainingRequirement,
        create=lambda site: require(site, course_at(site)),
        list_url="training:requirement_list",
        detail_url="training:requirement_detail",
        api="training-requirement",
        add_url="training:requirement_add",
        add_data=lambda site: {"site": site.pk, "course": course_at(site).pk, "grace_days": 30},
        api_create=lambda site: {"site": site.code, "course": course_at(site).code},
        deactivate_url="training:requirement_deactivate",
    )


class TestAssignmentIsolation(OwnRowsIsolationTests):
    case = ScopedModelCase(
        model=Assignment,
        create=assignment_at,
        list_url="training:assignment_list",
        detail_url="training:assignment_detail",
        api="training-assignment",
        add_url="training:assignment_add",
        add_data=lambda site: {
            "person": person_at(site).username,
            "course": course_at(site).pk,
            "site": site.pk,
            "due_date": in_a_month().isoformat(),
        },
        api_create=lambda site: {
            "person": person_at(site).pk,
            "course": course_at(site).code,
            "site": site.code,
            "due_date": in_a_month().isoformat(),
        },
        deactivate_url="training:assignment_withdraw",
    )

    def own_of(self, person, site):
        return assignment_at(site, person=person)


class TestTrainingRecordIsolation(OwnRowsIsolationTests):
    case = ScopedModelCase(
        model=TrainingRecord,
        create=record_at,
        list_url="training:record_list",
        detail_url="training:record_detail",
        api="training-record",
    )

    def own_of(self, person, site):
        return record_for(certified(person), site)
