"""Rollout pages: list, detail, heat map (SVG and PDF), forms, the go-live signing page; site B sees none of A's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from implementation import services
from implementation.choices import PlanStatus
from implementation.heatmap import Cell, Row, rollout_heatmap_svg

from .factories import certify, plan_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(org):
    plan = plan_for(org.site_a)
    phase = plan.phases.first()
    services.task_save(actor=None, plan=plan, data={"title": "Kick-off", "phase": phase,
                                                    "due_date": plan.start_date})  # fmt: skip
    services.criterion_add(actor=None, plan=plan, description="Kick-off held", step=1)
    return plan


def test_pages_answer_200_for_the_site_qm(org, client_for, plan):
    client = client_for(org.qm_a)
    for url in (
        reverse("implementation:plan_list"),
        reverse("implementation:heatmap"),
        reverse("implementation:plan_detail", args=[plan.pk]),
        reverse("implementation:plan_add"),
        reverse("implementation:plan_edit", args=[plan.pk]),
        reverse("implementation:phase_add", args=[plan.pk]),
        reverse("implementation:task_add", args=[plan.pk]),
        reverse("implementation:criterion_add", args=[plan.pk]),
        reverse("implementation:task_edit", args=[plan.tasks.first().pk]),
        reverse("implementation:criterion_edit", args=[plan.criteria.first().pk]),
        reverse("implementation:plan_golive", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_detail_shows_timeline_and_criteria(org, client_for, plan):
    html = client_for(org.qm_a).get(reverse("implementation:plan_detail", args=[plan.pk])).content.decode()
    assert "data-timeline-svg" in html and "<svg" in html
    assert "Kick-off held" in html and "data-gate-blockers" in html


def test_site_b_sees_nothing_of_site_a(org, client_for, plan):
    client = client_for(org.qm_b)
    assert client.get(reverse("implementation:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("implementation:task_add", args=[plan.pk])).status_code == 404
    assert client.get(reverse("implementation:task_edit", args=[plan.tasks.first().pk])).status_code == 404
    assert client.get(reverse("implementation:plan_golive", args=[plan.pk])).status_code == 404
    html = client.get(reverse("implementation:heatmap")).content.decode()
    assert "SITEA" not in html


def test_employee_cannot_add_a_task(org, client_for, plan):
    client = client_for(org.emp_a)
    url = reverse("implementation:task_add", args=[plan.pk])
    assert client.post(url, {"title": "X", "phase": plan.phases.first().pk, "status": "open"}).status_code == 403
    assert plan.tasks.count() == 1


def test_task_form_adds_a_task(org, client_for, plan):
    url = reverse("implementation:task_add", args=[plan.pk])
    response = client_for(org.qm_a).post(url, {"title": "Train the trainers", "phase": plan.phases.first().pk,
                                               "status": "open", "due_date": "2026-03-01"})  # fmt: skip
    assert response.status_code == 302
    assert plan.tasks.filter(title="Train the trainers").exists()


def test_manual_criterion_met_on_the_page_needs_evidence_and_a_reason(org, client_for, plan):
    criterion = plan.criteria.get()
    url = reverse("implementation:criterion_edit", args=[criterion.pk])
    client = client_for(org.qm_a)
    data = {"description": criterion.description, "step": 1, "mandatory": "on", "met": "on"}
    assert client.post(url, {**data, "change_reason": "Held"}).status_code == 400  # no evidence
    assert client.post(url, {**data, "evidence": "Minutes"}).status_code == 400  # no reason
    assert client.post(url, {**data, "evidence": "Minutes", "change_reason": "Held"}).status_code == 302
    criterion.refresh_from_db()
    assert criterion.met and criterion.met_by == org.qm_a


def test_go_live_page_refuses_and_signs_nothing_while_a_criterion_fails(org, client_for, plan):
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    url = reverse("implementation:plan_golive", args=[plan.pk])
    response = client.post(url, {"username": "qm_a", "password": org.password, "reason": "Ready"})
    assert response.status_code == 409
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED


def test_heatmap_svg_is_escaped_and_links_each_cell():
    svg = rollout_heatmap_svg([Row("X<1> · Basel", "planned", "/p/1/",
                                   {4: Cell("amber", "Training 80 % <90", "/training/compliance/")})])  # fmt: skip
    assert svg.startswith("<svg") and "<script" not in svg
    assert "X&lt;1&gt;" in svg and 'href="/training/compliance/"' in svg and 'data-cell="amber"' in svg


def test_heatmap_pdf(org, client_for, plan):
    response = client_for(org.qm_a).get(reverse("implementation:heatmap"), {"format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_heatmap_and_plan_list_queries_do_not_grow_with_sites(org, client_for, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ims.org import services as org_services

    plan_for(org.site_a, criteria=True)
    client = client_for(org.admin)
    counts = []
    for n in range(2):
        with CaptureQueriesContext(connection) as heat, CaptureQueriesContext(connection) as listing:
            client.get(reverse("implementation:heatmap"))
        with CaptureQueriesContext(connection) as listing:
            client.get(reverse("implementation:plan_list"))
        counts.append((len(heat), len(listing)))
        for k in range(4):
            site = org_services.site_create(code=f"X{n}{k}", name=f"Site {n}{k}", country="CH", timezone="UTC")
            plan_for(site, criteria=True)
    assert counts[0] == counts[1]
