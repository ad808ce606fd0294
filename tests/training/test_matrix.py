"""The training matrix, its XLSX export, the compliance dashboard and "My training"."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from tests.policies.ack_factories import PASSWORD
from training import matrix, services
from training.choices import CellState
from training.models import Assignment, ComplianceSnapshot, TrainingRecord

from .factories import course_at, require

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-7.2")]


def complete(person, course):
    assignment = Assignment.objects.get(person=person, course=course, status="open")
    return services.self_study_complete(
        actor=person, assignment=assignment, password=PASSWORD, username=person.username
    )


@pytest.fixture
def trained(org):
    """At site A for the employee: one course current, one assigned, one due soon, one overdue, one not required."""
    certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
    employee = org.roles[RoleCode.EMPLOYEE]
    done = course_at(org.site_a, code="C-DONE")
    require(org.site_a, done, role=employee)
    complete(org.emp_a, done)
    later = course_at(org.site_a, code="C-LATER")
    require(org.site_a, later, role=employee, grace_days=60)
    soon = course_at(org.site_a, code="C-SOON")
    require(org.site_a, soon, role=employee, grace_days=3)
    late = course_at(org.site_a, code="C-LATE")
    services.assignment_create_manual(
        actor=None,
        person=org.emp_a,
        course=late,
        site=org.site_a,
        due_date=timezone.localdate() - datetime.timedelta(days=2),
    )
    free = course_at(org.site_a, code="C-FREE")
    return {"done": done, "later": later, "soon": soon, "late": late, "free": free}


class TestCells:
    def test_each_state_from_assignments_and_records(self, org, trained):
        ids = [c.pk for c in trained.values()]
        cells = matrix.matrix_cells(user=org.qm_a, person_ids=[org.emp_a.pk], course_ids=ids)
        state = {name: cells.get((org.emp_a.pk, c.pk), matrix.NOT_REQUIRED).state for name, c in trained.items()}
        assert state == {
            "done": CellState.CURRENT,
            "later": CellState.IN_PROGRESS,
            "soon": CellState.DUE_SOON,
            "late": CellState.OVERDUE,
            "free": CellState.NOT_REQUIRED,
        }

    def test_expired_record_of_a_required_course_is_overdue(self, org, trained):
        TrainingRecord.objects.filter(person=org.emp_a, course=trained["done"]).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
        cells = matrix.matrix_cells(user=org.qm_a, person_ids=[org.emp_a.pk], course_ids=[trained["done"].pk])
        assert cells[(org.emp_a.pk, trained["done"].pk)].state == CellState.OVERDUE

    def test_another_sites_quality_manager_sees_no_cells(self, org, trained):
        ids = [c.pk for c in trained.values()]
        cells = matrix.matrix_cells(user=org.qm_b, person_ids=[org.emp_a.pk], course_ids=ids)
        assert all(cell.state != CellState.CURRENT for cell in cells.values())
        assert (org.emp_a.pk, trained["late"].pk) not in cells


class TestMatrixPage:
    def test_quality_manager_sees_the_site_matrix(self, org, trained, client_for):
        page = client_for(org.qm_a).get(reverse("training:matrix"), {"site": org.site_a.pk})
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-person="emp_a"' in html and "data-training-matrix" in html and "data-matrix-legend" in html
        rows = dict((p.username, cells) for p, cells in page.context["rows"])
        assert [c.state for c in rows["emp_a"]] == [
            CellState.CURRENT,
            CellState.NOT_REQUIRED,
            CellState.OVERDUE,
            CellState.IN_PROGRESS,
            CellState.DUE_SOON,
        ]  # courses by code: C-DONE, C-FREE, C-LATE, C-LATER, C-SOON

    def test_filters_narrow_people_and_courses(self, org, trained, client_for):
        client = client_for(org.qm_a)
        overdue = client.get(reverse("training:matrix"), {"site": org.site_a.pk, "state": "overdue"})
        assert [p.username for p, _cells in overdue.context["rows"]] == ["emp_a"]
        one = client.get(reverse("training:matrix"), {"site": org.site_a.pk, "course": trained["soon"].pk})
        assert [c.code for c in one.context["courses"]] == ["C-SOON"]
        qa_only = client.get(reverse("training:matrix"), {"site": org.site_a.pk, "function": org.qa.pk})
        assert "emp_a" not in {p.username for p, _cells in qa_only.context["rows"]}

    def test_employee_is_refused_and_other_site_is_not_found(self, org, trained, client_for):
        assert client_for(org.emp_a).get(reverse("training:matrix")).status_code == 403
        assert client_for(org.qm_a).get(reverse("training:matrix"), {"site": org.site_b.pk}).status_code == 404
        assert client_for(org.qm_a).get(reverse("training:compliance"), {"site": org.site_b.pk}).status_code == 404

    def test_query_count_does_not_grow_with_people(self, org, trained, client_for, password_hash):
        client = client_for(org.qm_a)
        url, params = reverse("training:matrix"), {"site": org.site_a.pk, "function": org.prod.pk}
        client.get(url, params)
        with CaptureQueriesContext(connection) as one:
            page = client.get(url, params)
        assert len(page.context["rows"]) == 1
        for n in range(29):
            person = org_services.person_create(
                username=f"op_{n}", employee_id=f"OP{n}", first_name="Op", last_name=f"{n:02d}"
            )
            org_services.membership_create(
                person=person, site=org.site_a, function=org.prod, role=org.roles[RoleCode.EMPLOYEE]
            )
        with CaptureQueriesContext(connection) as thirty:
            page = client.get(url, params)
        assert len(page.context["rows"]) == 30
        assert len(thirty) == len(one), [q["sql"][:120] for q in thirty.captured_queries]

    def test_xlsx_export_colours_the_cells_of_the_same_filter(self, org, trained, client_for):
        from openpyxl import load_workbook

        response = client_for(org.qm_a).get(reverse("training:matrix"), {"site": org.site_a.pk, "export": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(response.content))
        assert len(book.worksheets) == 1
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        assert header[2:] == ["C-DONE", "C-FREE", "C-LATE", "C-LATER", "C-SOON"]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "EMP_A")
        assert row[2].value.startswith("Current") and row[2].fill.start_color.rgb.endswith("C6EFCE")
        assert row[4].value.startswith("Overdue") and row[4].fill.start_color.rgb.endswith("FFC7CE")
        assert row[3].value in ("", None)


class TestCompliance:
    def test_percent_current_per_site_function_course_and_trend(self, org, trained, client_for):
        rows = matrix.compliance_rows(site_ids=[org.site_a.pk])
        totals = matrix.compliance_totals(rows)
        # emp_a: C-DONE current, C-LATER assigned, C-SOON due soon (C-LATE is manual, not required)
        assert (totals["required"], totals["current"], totals["due_soon"], totals["overdue"]) == (3, 1, 1, 0)
        assert totals["percent"] == 33.3
        today = timezone.localdate()
        ComplianceSnapshot.objects.create(  # yesterday's history (nobody was a member yet then)
            day=today - datetime.timedelta(days=1), site=org.site_a, function=org.prod, required=3, current=0
        )
        assert matrix.compliance_snapshot_take(on=today) == 1
        assert matrix.compliance_snapshot_take(on=today) == 1  # re-run: overwritten, not doubled
        assert ComplianceSnapshot.objects.filter(day=today).count() == 1
        page = client_for(org.qm_a).get(reverse("training:compliance"))
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and 'class="compliance-trend"' in html
        assert 'data-site="SITEA"' in html and 'data-site="SITEB"' not in html
        assert page.context["totals"]["required"] == 3
        assert 'data-course="C-LATE"' in html  # in the overdue list
        at_site = client_for(org.qm_a).get(reverse("training:compliance"), {"site": org.site_a.pk})
        assert 'data-function="PROD"' in at_site.content.decode()

    def test_other_sites_figures_stay_hidden(self, org, trained, client_for):
        page = client_for(org.qm_b).get(reverse("training:compliance"))
        assert page.status_code == 200
        assert page.context["totals"]["required"] == 0
        assert not page.context["overdue"].paginator.count


class TestMyTraining:
    def test_open_items_and_self_study_signature(self, org, trained, client_for):
        client = client_for(org.emp_a)
        page = client.get(reverse("training:my_training"))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-course="C-LATE"' in html and 'data-course="C-SOON"' in html and "data-my-records" in html
        assert page.context["overdue"] == 1
        assignment = Assignment.objects.get(person=org.emp_a, course=trained["soon"], status="open")
        detail = client.get(reverse("training:my_assignment", args=[assignment.pk]))
        assert detail.status_code == 200 and "data-self-study-form" in detail.content.decode()
        wrong = client.post(
            reverse("training:my_assignment", args=[assignment.pk]), {"username": "emp_a", "password": "nope"}
        )
        assert wrong.status_code in (400, 401, 403) and "data-esign-refusal" in wrong.content.decode()
        signed = client.post(
            reverse("training:my_assignment", args=[assignment.pk]), {"username": "emp_a", "password": PASSWORD}
        )
        assert signed.status_code == 302
        assignment.refresh_from_db()
        assert assignment.status == "completed"
        assert services.is_current(person=org.emp_a, course=trained["soon"])

    def test_linked_document_version_and_assessment_course(self, org, password_hash, client_for):
        from tests.policies.ack_factories import effective_policy

        version = effective_policy(password_hash, sites=[org.site_a], requires_acknowledgement=False)
        course = course_at(org.site_a, documents=[version.document], has_assessment=True)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE])
        assignment = Assignment.objects.get(person=org.emp_a, course=course)
        page = client_for(org.emp_a).get(reverse("training:my_assignment", args=[assignment.pk]))
        html = page.content.decode()
        assert reverse("documents:version_detail", args=[version.pk]) in html
        assert "data-assessment" in html and "data-self-study-form" not in html

    def test_somebody_elses_assignment_is_not_found(self, org, trained, client_for):
        assignment = Assignment.objects.filter(person=org.emp_a).first()
        assert client_for(org.qm_a).get(reverse("training:my_assignment", args=[assignment.pk])).status_code == 404
        assert Person.objects.filter(username="emp_a").exists()


def test_the_matrix_shows_forty_course_columns_at_a_time_and_searches_courses(org, trained, client_for):
    """A site giving many courses: the columns come 40 at a time (every person row stays), and the course filter
    is a search field holding only the chosen course, never one option per course."""
    from training.views_matrix import COURSES_PER_PAGE

    for number in range(COURSES_PER_PAGE):
        course_at(org.site_a, code=f"C-MANY-{number:02d}")
    client = client_for(org.qm_a)
    first = client.get(reverse("training:matrix"), {"site": org.site_a.pk})
    html = first.content.decode()
    assert len(first.context["courses"]) == COURSES_PER_PAGE
    assert f"courses 1–{COURSES_PER_PAGE} of {COURSES_PER_PAGE + 5}" in html
    assert html.count('<option value="') <= 5 + 60  # sites, functions, states; no course options
    second = client.get(reverse("training:matrix"), {"site": org.site_a.pk, "courses_from": COURSES_PER_PAGE + 1})
    # in code order: C-DONE, C-FREE, C-LATE, C-LATER, C-MANY-00 … C-MANY-39, C-SOON
    assert [c.code for c in second.context["courses"]] == [f"C-MANY-{n:02d}" for n in range(36, 40)] + ["C-SOON"]
    assert 'data-person="emp_a"' in second.content.decode()
    chosen = client.get(reverse("training:matrix"), {"site": org.site_a.pk, "course": trained["soon"].pk})
    assert f'<option value="{trained["soon"].pk}" selected>' in chosen.content.decode()
    assert [c.code for c in chosen.context["courses"]] == ["C-SOON"]
