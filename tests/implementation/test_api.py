"""Rollout API: phases, tasks and criteria scoped (404 for another site), reason for change, readiness values, the
go-live gate refused with a failing mandatory criterion, waivers by the Global Admin only, and the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from implementation.choices import PlanStatus
from implementation.models import GoLiveGate, Waiver

from .factories import certify, plan_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(org):
    return plan_for(org.site_a)


def test_phase_task_criterion_create_and_404_for_site_b(org, client_for, plan):
    client = client_for(org.qm_a)
    phase = client.post(reverse("implementation-phase-list"), {"plan": plan.pk, "name": "Hypercare"},
                        content_type="application/json")  # fmt: skip
    assert phase.status_code == 201, phase.content
    task = client.post(reverse("implementation-task-list"), {"plan": plan.pk, "phase": phase.json()["id"],
                       "title": "Stabilise", "due_date": "2026-05-01"}, content_type="application/json")  # fmt: skip
    assert task.status_code == 201, task.content
    criterion = client.post(reverse("implementation-criterion-list"), {"plan": plan.pk, "description": "Drill"},
                            content_type="application/json")  # fmt: skip
    assert criterion.status_code == 201, criterion.content
    other = client_for(org.qm_b)
    for name, pk in (("phase", phase.json()["id"]), ("task", task.json()["id"]),
                     ("criterion", criterion.json()["id"])):  # fmt: skip
        assert other.get(reverse(f"implementation-{name}-detail", args=[pk])).status_code == 404
    assert other.get(reverse("implementation-plan-readiness", args=[plan.pk])).status_code == 404
    refused = other.post(reverse("implementation-task-list"), {"plan": plan.pk, "phase": phase.json()["id"],
                         "title": "Sneak"}, content_type="application/json")  # fmt: skip
    assert refused.status_code == 400 and plan.tasks.count() == 1


def test_task_update_needs_a_reason(org, client_for, plan):
    client = client_for(org.qm_a)
    task = client.post(reverse("implementation-task-list"), {"plan": plan.pk, "phase": plan.phases.first().pk,
                       "title": "A"}, content_type="application/json").json()  # fmt: skip
    url = reverse("implementation-task-detail", args=[task["id"]])
    answer = client.patch(url, {"status": "in_progress"}, content_type="application/json", HTTP_IF_MATCH="*")
    assert answer.status_code == 400 and "change_reason" in answer.json()
    answer = client.patch(url, {"status": "in_progress", "change_reason": "Started"},
                          content_type="application/json", HTTP_IF_MATCH="*")  # fmt: skip
    assert answer.status_code == 200 and answer.json()["status"] == "in_progress"


def test_readiness_values(org, client_for, plan):
    client_for(org.qm_a).post(reverse("implementation-criterion-list"), {"plan": plan.pk, "description": "Drill"},
                              content_type="application/json")  # fmt: skip
    data = client_for(org.qm_a).get(reverse("implementation-plan-readiness", args=[plan.pk])).json()
    assert data["percent"] == 0.0 and data["criteria"][0]["passed"] is False


def test_go_live_refused_then_waived_then_signed(org, client_for, plan):
    certify(org, org.qm_a, org.admin)
    qm, admin = client_for(org.qm_a), client_for(org.admin)
    criterion = qm.post(reverse("implementation-criterion-list"), {"plan": plan.pk, "description": "Drill"},
                        content_type="application/json").json()  # fmt: skip
    body = {"username": "qm_a", "password": org.password, "reason": "Ready"}
    go_live = reverse("implementation-plan-go-live", args=[plan.pk])
    refused = qm.post(go_live, body, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_ready"
    assert not GoLiveGate.objects.exists()
    waive = reverse("implementation-criterion-waive", args=[criterion["id"]])
    qm_waiver = qm.post(waive, {**body, "justification": "x"}, content_type="application/json")
    assert qm_waiver.status_code == 403 and not Waiver.objects.exists()
    signed = admin.post(waive, {"username": "global_admin", "password": org.password,
                        "justification": "Drill booked for Q3."}, content_type="application/json")  # fmt: skip
    assert signed.status_code == 200, signed.content
    done = qm.post(go_live, body, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == PlanStatus.LIVE


def test_schema_lists_the_rollout_endpoints(org, client_for):
    schema = client_for(org.qm_a).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/implementation/plans/", "/api/v1/implementation/plans/{id}/go-live/",
                 "/api/v1/implementation/plans/{id}/readiness/", "/api/v1/implementation/criteria/{id}/waive/",
                 "/api/v1/implementation/tasks/"):  # fmt: skip
        assert path in schema
