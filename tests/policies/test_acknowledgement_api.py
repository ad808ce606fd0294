"""The acknowledgement API: the same services, selectors and scope as "My tasks", the task page and coverage."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.esign.models import Signature
from ims.esign.services import certification_create
from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory
from ims.testing.kit import snapshot
from policies.models import Acknowledgement, AcknowledgementStatus, Distribution

from .ack_factories import PASSWORD, effective_policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-5.2.2")]

JSON = "application/json"


@pytest.fixture
def policy(org, password_hash):
    """A policy effective at site A: qm_a, emp_a and the global admin are asked to acknowledge it."""
    return effective_policy(password_hash, sites=[org.site_a])


@pytest.fixture
def certified(org):
    certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
    return org.emp_a


def task_of(version, person) -> Acknowledgement:
    return Acknowledgement.objects.exclude(status=AcknowledgementStatus.CANCELLED).get(version=version, person=person)


def detail(task, name="detail") -> str:
    return reverse(f"acknowledgement-{name}", args=[task.pk])


def acknowledge(client, task, password=PASSWORD, username="emp_a"):
    return client.post(detail(task, "acknowledge"), {"username": username, "password": password}, content_type=JSON)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.req("P11-10d", "P11-50", "P11-200a1")
def test_employee_lists_mine_opens_and_acknowledges(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    client = client_for(org.emp_a)

    mine = client.get(reverse("acknowledgement-mine")).json()
    assert [row["id"] for row in mine["results"]] == [task.pk]
    row = mine["results"][0]
    assert row["person"] == {
        "id": org.emp_a.pk,
        "username": "emp_a",
        "employee_id": "EMP_A",
        "display_name": org.emp_a.display_name,
    }
    assert (row["document_number"], row["version_number"], row["site_code"], row["function_code"]) == (
        policy.document.number,
        1,
        "SITEA",
        "PROD",
    )
    assert (row["status"], row["state"], row["signature"]) == ("open", "not_started", None)
    assert client.get(reverse("acknowledgement-list")).json()["count"] == 0  # an employee sees no one else's

    opened = client.post(detail(task, "open"), content_type=JSON)
    assert opened.status_code == 200, opened.content
    assert opened.json()["state"] == "in_progress" and opened.json()["opened_at"]

    response = acknowledge(client, task)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["state"]) == ("acknowledged", "acknowledged")
    assert body["acknowledged_at"]
    signature = body["signature"]
    assert (signature["meaning"], signature["signer_username"], signature["channel"]) == (
        "acknowledged",
        "emp_a",
        "api",
    )
    assert signature["reason"].startswith("I have read and understood version 1 of")
    assert org.emp_a.display_name in signature["manifestation"]

    task.refresh_from_db()
    assert task.status == AcknowledgementStatus.ACKNOWLEDGED and task.signature_id == signature["id"]
    assert client.get(reverse("acknowledgement-mine")).json()["count"] == 0
    assert client.get(detail(task)).json()["signature"]["id"] == signature["id"]  # one's own task stays readable


@pytest.mark.req("P11-200a1")
def test_wrong_password_is_401_and_signs_nothing(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    client = client_for(org.emp_a)
    client.post(detail(task, "open"), content_type=JSON)
    before = snapshot(task)
    response = acknowledge(client, task, password="not-the-password")
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "detail"}
    assert snapshot(task) == before
    assert not Signature.objects.for_record(task).exists()


def test_acknowledging_before_opening_is_409(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    before = snapshot(task)
    response = acknowledge(client_for(org.emp_a), task)
    assert response.status_code == 409
    assert response.json()["code"] == "not_read"
    assert snapshot(task) == before
    assert not Signature.objects.for_record(task).exists()


def test_acknowledging_twice_is_409(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    client = client_for(org.emp_a)
    client.post(detail(task, "open"), content_type=JSON)
    assert acknowledge(client, task).status_code == 200
    again = acknowledge(client, task)
    assert again.status_code == 409 and again.json()["code"] == "not_open"
    assert Signature.objects.for_record(task).count() == 1


@pytest.mark.req("P11-10d", "P11-10g")
def test_nobody_opens_or_acknowledges_somebody_elses_task(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    client_for(org.emp_a).post(detail(task, "open"), content_type=JSON)
    certification_create(person=org.qm_a, password=PASSWORD, username="qm_a", session={})
    before = snapshot(task)
    # the quality manager may view the task (403), the other site's employee may not even see it (404)
    qm_a = client_for(org.qm_a)
    assert qm_a.get(detail(task)).status_code == 200
    assert qm_a.post(detail(task, "open"), content_type=JSON).status_code == 403
    assert acknowledge(qm_a, task, username="qm_a").status_code == 403
    emp_b = client_for(org.emp_b)
    assert emp_b.get(detail(task)).status_code == 404
    assert emp_b.post(detail(task, "open"), content_type=JSON).status_code == 404
    assert acknowledge(emp_b, task, username="emp_b").status_code == 404
    # a colleague at the same site without the right to view others' tasks: 404 as well
    qm_task = task_of(policy, org.qm_a)
    emp_a = client_for(org.emp_a)
    assert emp_a.get(detail(qm_task)).status_code == 404
    assert emp_a.post(detail(qm_task, "open"), content_type=JSON).status_code == 404
    assert snapshot(task) == before
    assert task_of(policy, org.qm_a).opened_at is None
    assert not Signature.objects.for_record(task).exists() and not Signature.objects.for_record(qm_task).exists()


def test_tasks_are_never_changed_or_deleted_through_the_api(org, client_for, policy):
    task = task_of(policy, org.emp_a)
    before = snapshot(task)
    for person in (org.qm_a, org.admin):
        client = client_for(person)
        assert client.delete(detail(task)).status_code == 405
        assert client.patch(detail(task), {"status": "acknowledged"}, content_type=JSON).status_code == 405
        assert client.put(detail(task), {"status": "acknowledged"}, content_type=JSON).status_code == 405
        assert client.post(reverse("acknowledgement-list"), {}, content_type=JSON).status_code == 405
        distribution = Distribution.objects.get(version=policy)
        assert client.delete(reverse("distribution-detail", args=[distribution.pk])).status_code == 405
    assert snapshot(task) == before


@pytest.mark.req("P11-10d", "ASVS5-8.2.2")
def test_quality_manager_of_site_b_sees_no_site_a_tasks(org, client_for, password_hash, policy):
    at_b = effective_policy(password_hash, sites=[org.site_b])
    client = client_for(org.qm_b)
    listed = ids(client.get(reverse("acknowledgement-list"), {"page_size": 100}))
    assert listed == set(Acknowledgement.objects.filter(site=org.site_b).values_list("pk", flat=True))
    assert listed and not listed & set(Acknowledgement.objects.filter(version=policy).values_list("pk", flat=True))
    assert ids(client.get(reverse("acknowledgement-list"), {"site": "SITEA"})) == set()
    assert client.get(detail(task_of(policy, org.emp_a))).status_code == 404

    coverage = client.get(reverse("acknowledgement-coverage")).json()
    assert [row["site_code"] for row in coverage["rows"]] == ["SITEB"]
    assert coverage["totals"]["total"] == len(listed)
    by_document = client.get(reverse("acknowledgement-coverage"), {"group": "document"}).json()
    assert [row["document"] for row in by_document["rows"]] == [at_b.document_id]
    assert client.get(reverse("acknowledgement-coverage"), {"site": "SITEA"}).status_code == 400

    distributions = client.get(reverse("distribution-list")).json()
    assert [row["version"] for row in distributions["results"]] == [at_b.pk]
    site_a_distribution = Distribution.objects.get(version=policy)
    assert client.get(reverse("distribution-detail", args=[site_a_distribution.pk])).status_code == 404


def test_coverage_after_one_acknowledgement(org, client_for, policy, certified):
    task = task_of(policy, org.emp_a)
    employee = client_for(org.emp_a)
    employee.post(detail(task, "open"), content_type=JSON)
    assert acknowledge(employee, task).status_code == 200

    client = client_for(org.qm_a)
    data = client.get(reverse("acknowledgement-coverage")).json()
    assert data["totals"] == {
        "total": 3,
        "acknowledged": 1,
        "in_progress": 0,
        "not_started": 2,
        "overdue": 0,
        "percent": 33.3,
    }
    assert data["rows"] == [
        {
            "site": org.site_a.pk,
            "site_code": "SITEA",
            "site_name": org.site_a.name,
            **data["totals"],
        }
    ]
    by_function = client.get(reverse("acknowledgement-coverage"), {"group": "function", "site": org.site_a.pk}).json()
    figures = {row["function_code"]: (row["total"], row["acknowledged"], row["percent"]) for row in by_function["rows"]}
    assert figures == {"PROD": (1, 1, 100.0), "QA": (2, 0, 0.0)}
    only_qa = client.get(reverse("acknowledgement-coverage"), {"function": "qa", "group": "document"}).json()
    assert only_qa["totals"]["total"] == 2
    assert only_qa["rows"][0]["document_number"] == policy.document.number

    acknowledged = client.get(reverse("acknowledgement-list"), {"state": "acknowledged"}).json()
    assert [row["id"] for row in acknowledged["results"]] == [task.pk]
    assert acknowledged["results"][0]["signature"]["signer_username"] == "emp_a"
    not_started = ids(client.get(reverse("acknowledgement-list"), {"state": "not_started", "site": "SITEA"}))
    assert not_started == {task_of(policy, org.qm_a).pk, task_of(policy, org.admin).pk}
    assert ids(client.get(reverse("acknowledgement-list"), {"person": org.emp_a.pk, "status": "acknowledged"})) == {
        task.pk
    }
    assert ids(client.get(reverse("acknowledgement-list"), {"document": policy.document_id, "function": "PROD"})) == {
        task.pk
    }
    assert ids(client.get(reverse("acknowledgement-list"), {"version": policy.pk + 1000})) == set()


@pytest.mark.req("P11-10d")
def test_employee_may_not_read_coverage(org, client_for, policy):
    response = client_for(org.emp_a).get(reverse("acknowledgement-coverage"))
    assert response.status_code == 403


@pytest.mark.req("ASVS5-2.4.1")
def test_list_runs_the_same_queries_for_1_and_20_tasks(org, client_for, password_hash):
    site = org.site_b
    manager = org.qm_b
    version = effective_policy(password_hash, sites=[site], roles=[org.roles[RoleCode.QUALITY_MANAGER]])
    certification_create(person=manager, password=PASSWORD, username="qm_b", session={})
    own = task_of(version, manager)
    client = client_for(manager)
    client.post(detail(own, "open"), content_type=JSON)
    assert acknowledge(client, own, username="qm_b").status_code == 200  # a signature in the rows, too

    def count() -> tuple[int, int]:
        client.get(reverse("acknowledgement-list"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("acknowledgement-list"), {"page_size": 100})
        return len(queries), len(ids(response))

    one_queries, one_rows = count()
    assert one_rows == 1
    for _ in range(19):
        PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)  # joins the scope: asked at once
    many_queries, many_rows = count()
    assert many_rows == 20
    assert many_queries == one_queries
