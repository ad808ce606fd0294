"""``GET /api/v1/training/matrix/``: the matrix as JSON, scoped like the page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ims.org.choices import RoleCode

from .factories import course_at, require

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-7.3")]


def api(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def test_matrix_of_a_site_with_cell_states(org):
    course = course_at(org.site_a, code="GMP-101")
    course_at(org.site_a, code="OTHER-1")
    require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], grace_days=5)
    response = api(org.qm_a).get("/api/v1/training/matrix/", {"site": "SITEA"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["code"] for c in body["courses"]] == ["GMP-101", "OTHER-1"]
    rows = {r["employee_id"]: r for r in body["rows"]}
    emp = rows["EMP_A"]["cells"]
    assert emp[0]["state"] == "due_soon" and emp[1]["state"] == "not_required"
    assert rows["QM_A"]["cells"][0]["state"] == "not_required"
    overdue_only = api(org.qm_a).get("/api/v1/training/matrix/", {"site": "SITEA", "state": "due_soon"}).json()
    assert [r["employee_id"] for r in overdue_only["rows"]] == ["EMP_A"]


def test_other_sites_and_employees_are_refused(org):
    course = course_at(org.site_a)
    require(org.site_a, course)
    assert api(org.qm_b).get("/api/v1/training/matrix/", {"site": "SITEA"}).status_code == 400
    assert api(org.emp_a).get("/api/v1/training/matrix/", {"site": "SITEA"}).status_code == 403


def test_query_count_does_not_grow_with_people(org, django_assert_max_num_queries):
    from ims.org import services as org_services

    course = course_at(org.site_a)
    require(org.site_a, course)
    client = api(org.qm_a)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/training/matrix/", {"site": "SITEA"})  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/training/matrix/", {"site": "SITEA"})
    for index in range(20):
        person = org_services.person_create(
            username=f"op_{index}", employee_id=f"OP{index}", first_name="O", last_name=f"{index}"
        )
        org_services.membership_create(
            person=person, site=org.site_a, function=org.qa, role=org.roles[RoleCode.EMPLOYEE]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/training/matrix/", {"site": "SITEA"})
    assert len(response.json()["rows"]) >= 23
    assert len(many) == len(few)


def test_dashboard_shows_own_training_and_compliance(org, client_for):
    from django.urls import reverse

    course = course_at(org.site_a, code="GMP-DASH")
    require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
    employee = client_for(org.emp_a).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="my-training"' in employee and "GMP-DASH" in employee
    assert 'data-card="training-compliance"' not in employee
    manager = client_for(org.qm_a).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="training-compliance"' not in manager  # never computed yet: the card never scans live
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from training import matrix

    matrix.compliance_snapshot_take()
    with CaptureQueriesContext(connection) as queries:
        manager = client_for(org.qm_a).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="training-compliance"' in manager and "figures are recomputed every minute" in manager
    assert "0 of 1 required trainings current" in manager
    assert not any("training_assignment" in q["sql"] and "GROUP BY" in q["sql"] for q in queries.captured_queries)
    assert 'data-card="training-compliance"' not in client_for(org.qm_b).get(reverse("web:dashboard")).content.decode()
