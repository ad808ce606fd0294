"""Stored compliance figures: every change that can move a site's figures is noted by the database in the same
transaction, the page computes live only the noted sites, and the refresh makes the stored figures equal to the
live computation again."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from training import matrix, services
from training.models import ComplianceComputed, ComplianceFigure, CompliancePending, Course

from .factories import course_at, require

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-7.2")]

LIVE_STATEMENT = "WITH pairs AS"  # the live computation (training.matrix._COMPLIANCE_SQL)


def key(summary):
    """The page's figures, comparable with the live computation's."""
    return {
        level: sorted(tuple(sorted(row.items())) for row in summary[f"by_{level[:-3]}"])
        for level in ("site_id", "function_id", "course_id")
    } | {"totals": summary["totals"]}


def live(site_ids, function_id=None):
    rows = [r for r in matrix.compliance_rows(site_ids=site_ids) if function_id in (None, r["function_id"])]
    return key(
        {
            "by_site": matrix.compliance_grouped(rows, "site_id"),
            "by_function": matrix.compliance_grouped(rows, "function_id"),
            "by_course": matrix.compliance_grouped(rows, "course_id"),
            "totals": matrix.compliance_totals(rows),
        }
    )


def summary(site_ids, **kwargs):
    return matrix.compliance_summary(site_ids=site_ids, **kwargs)


@pytest.fixture
def required(org):
    employee = org.roles[RoleCode.EMPLOYEE]
    course_a = course_at(org.site_a, code="FIG-A")
    require(org.site_a, course_a, role=employee)
    course_b = course_at(org.site_b, code="FIG-B")
    require(org.site_b, course_b, role=employee)
    return {"a": course_a, "b": course_b}


def sites(org):
    return [org.site_a.pk, org.site_b.pk]


def test_refreshed_figures_equal_the_live_computation_and_are_read_without_it(org, required):
    assert CompliancePending.objects.exists()  # the requirements and their assignments were noted
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == set(sites(org))
    refreshed = matrix.compliance_figures_refresh()
    assert set(sites(org)) <= set(refreshed)
    assert not CompliancePending.objects.exists()
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == set()
    with CaptureQueriesContext(connection) as queries:
        stored = summary(sites(org))
    assert not any(LIVE_STATEMENT in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 3
    assert stored["as_of"] is not None
    assert key(stored) == live(sites(org))
    assert stored["totals"]["required"] == 2
    for function in (org.prod, org.qa):
        assert key(summary(sites(org), function_id=function.pk)) == live(sites(org), function.pk)
    assert matrix.compliance_figures_refresh() == []  # nothing noted since: nothing recomputed


def test_a_change_makes_only_its_site_live_until_the_refresh(org, required):
    matrix.compliance_figures_refresh()
    joiner = org_services.person_create(username="fig.joiner", employee_id="FIG-1", first_name="Fig", last_name="J")
    org_services.membership_create(person=joiner, site=org.site_a, function=org.prod, role=org.roles[RoleCode.EMPLOYEE])
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == {org.site_a.pk}
    with CaptureQueriesContext(connection) as queries:
        mixed = summary(sites(org))
    computed = [q["sql"] for q in queries.captured_queries if LIVE_STATEMENT in q["sql"]]
    assert len(computed) == 1  # site A only
    assert key(mixed) == live(sites(org))
    assert next(r for r in mixed["by_site"] if r["site_id"] == org.site_a.pk)["required"] == 2  # before any refresh
    assert key(summary(sites(org), function_id=org.prod.pk)) == live(sites(org), org.prod.pk)
    assert matrix.compliance_figures_refresh() == [org.site_a.pk]
    stored = ComplianceFigure.objects.filter(site=org.site_a, course=required["a"]).get()
    assert stored.required == 2


def change_assignment_due(org, required):
    assignment = org.emp_a.training_assignments.get(course=required["a"], status="open")
    services_due = assignment.due_date - datetime.timedelta(days=30)
    type(assignment)._base_manager.filter(pk=assignment.pk).update(due_date=services_due)


def deactivate_person(org, required):
    Person.objects.filter(pk=org.emp_a.pk).update(is_active=False)


def end_membership(org, required):
    membership = org.emp_a.memberships.get(site=org.site_a)
    type(membership)._base_manager.filter(pk=membership.pk).update(valid_to=timezone.localdate())


def deactivate_requirement(org, required):
    from training.models import TrainingRequirement

    TrainingRequirement._base_manager.filter(course=required["a"]).update(is_active=False)


def deactivate_course(org, required):
    Course._base_manager.filter(pk=required["a"].pk).update(is_active=False)


def manual_assignment(org, required):
    services.assignment_create_manual(
        actor=None,
        person=org.emp_a,
        course=course_at(org.site_a, code="FIG-MAN"),
        site=org.site_a,
        due_date=timezone.localdate(),
    )


@pytest.mark.parametrize(
    "change, everywhere",
    [
        (change_assignment_due, False),
        (deactivate_person, False),
        (end_membership, False),
        (deactivate_requirement, False),
        (manual_assignment, False),
        (deactivate_course, True),
    ],
)
def test_every_kind_of_change_is_noted_by_the_database(org, required, change, everywhere):
    """Bulk statements included (no service, no signal): the triggers note them."""
    matrix.compliance_figures_refresh()
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == set()
    change(org, required)
    stale = matrix.compliance_stale_sites(site_ids=sites(org))
    assert org.site_a.pk in stale
    assert (org.site_b.pk in stale) == everywhere
    assert key(summary(sites(org))) == live(sites(org))
    matrix.compliance_figures_refresh()
    assert key(summary(sites(org))) == live(sites(org))


def test_figures_of_another_day_are_recomputed(org, required):
    matrix.compliance_figures_refresh()
    ComplianceComputed.objects.filter(site=org.site_b).update(day=timezone.localdate() - datetime.timedelta(days=1))
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == {org.site_b.pk}
    assert matrix.compliance_figures_refresh() == [org.site_b.pk]


def test_a_change_noted_after_the_drain_stays_for_the_next_run(org, required):
    """The drain deletes only the notes it saw; a later note survives it (the refresh's own transaction)."""
    from django.db import transaction

    matrix.compliance_figures_refresh()
    with transaction.atomic():
        original = matrix.compliance_rows

        def note_meanwhile(**kwargs):
            CompliancePending.objects.create(site_id=org.site_b.pk)  # a note written after the drain
            return original(**kwargs)

        matrix.compliance_rows = note_meanwhile
        try:
            ComplianceComputed.objects.filter(site=org.site_a).delete()
            assert matrix.compliance_figures_refresh() == [org.site_a.pk]
        finally:
            matrix.compliance_rows = original
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == {org.site_b.pk}


def test_the_compliance_page_is_exact_and_says_as_of_when(org, required, client_for):
    matrix.compliance_figures_refresh()
    page = client_for(org.qm_a).get(reverse("training:compliance"))
    assert page.status_code == 200
    assert "data-compliance-as-of" in page.content.decode()
    assert page.context["totals"]["required"] == 1
    assert page.context["as_of"] is not None
    Person.objects.filter(pk=org.emp_a.pk).update(is_active=False)
    again = client_for(org.qm_a).get(reverse("training:compliance"))
    assert again.context["totals"]["required"] == 0  # the change shows at once, before any refresh


def test_an_update_of_many_rows_is_noted_like_one_of_a_single_row(org, required):
    """Past ``REPLAN_ROWS`` rows the noting statement is planned for the statement's own rows (dynamic SQL):
    the same notes, after single-row updates have cached the other plan in this session."""
    from training.compliance_triggers import REPLAN_ROWS
    from training.models import Assignment

    for number in range(REPLAN_ROWS + 5):
        manual_assignment_of(org, course_at(org.site_a, code=f"FIG-BULK-{number:03d}"))
    matrix.compliance_figures_refresh()
    opened = Assignment._base_manager.filter(site=org.site_a, status="open")
    for assignment in opened[:3]:  # single-row updates first
        Assignment._base_manager.filter(pk=assignment.pk).update(due_date=assignment.due_date)
    matrix.compliance_figures_refresh()
    assert opened.count() > REPLAN_ROWS
    opened.update(due_date=timezone.localdate() - datetime.timedelta(days=3))
    assert matrix.compliance_stale_sites(site_ids=sites(org)) == {org.site_a.pk}
    assert key(summary(sites(org))) == live(sites(org))


def manual_assignment_of(org, course):
    services.assignment_create_manual(
        actor=None, person=org.emp_a, course=course, site=org.site_a, due_date=timezone.localdate()
    )
