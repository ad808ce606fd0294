"""The audits API: reason required, independence and scope refused with a clear answer, signatures, schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.choices import AuditStatus
from audits.models import Audit, ChecklistItem, Finding

from .auditkit import answer_all, audit_at, auditor, clause, started

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_reschedule_cancel_and_assign_need_a_reason(org, client_for):
    audit = audit_at(org)
    client = client_for(org.qm_a)
    url = reverse("audits-audit-reschedule", args=[audit.pk])
    response = client.post(url, {"planned_date": "2026-12-20"}, content_type=JSON)
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(url, {"planned_date": "2026-12-20", "reason": "Auditee away"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["planned_date"] == "2026-12-20"
    response = client.post(reverse("audits-audit-cancel", args=[audit.pk]), {}, content_type=JSON)
    assert response.status_code == 400
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PLANNED
    response = client.post(
        reverse("audits-audit-assign", args=[audit.pk]), {"auditees": [org.emp_a.pk]}, content_type=JSON
    )
    assert response.status_code == 400


def test_assigning_an_auditor_of_their_own_function_is_refused(org, client_for):
    own = auditor(org, function=org.prod, username="prod_auditor")
    audit = audit_at(org)
    response = client_for(org.qm_a).post(
        reverse("audits-audit-assign", args=[audit.pk]), {"lead_auditor": own.pk, "reason": "x"}, content_type=JSON
    )
    assert response.status_code == 400
    assert "nobody audits their own function" in str(response.json())
    assert Audit.objects.get(pk=audit.pk).lead_auditor is None


def test_the_auditor_answers_raises_findings_and_signs(org, client_for):
    audit, lead = started(org)
    client = client_for(lead)
    item = audit.items.order_by("position").first()
    response = client.post(
        reverse("audits-checklistitem-answer", args=[item.pk]),
        {"result": "nonconforming", "notes": "n"},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["result"] == "nonconforming"
    body = {"audit": audit.pk, "grade": "major", "clause": clause("1", "AUD-OTHER").pk, "statement": "s",
            "evidence_reference": "e"}  # fmt: skip
    response = client.post(reverse("audits-finding-list"), body, content_type=JSON)
    assert response.status_code == 400 and "outside the scope" in str(response.json())
    body["clause"] = clause("8.1").pk
    response = client.post(reverse("audits-finding-list"), body, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert Finding.objects.get().grade == "major"
    answer_all(Audit.objects.get(pk=audit.pk), lead)
    response = client.post(
        reverse("audits-audit-complete", args=[audit.pk]),
        {"username": lead.username, "password": org.password, "reason": "Report"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == AuditStatus.COMPLETED


def test_no_delete_and_lists_are_filtered(org, client_for):
    audit = audit_at(org)
    client = client_for(org.qm_a)
    assert client.delete(reverse("audits-audit-detail", args=[audit.pk])).status_code == 405
    listed = client.get(reverse("audits-audit-list"), {"site": org.site_a.pk, "status": "planned"}).json()
    assert [row["id"] for row in listed["results"]] == [audit.pk]
    assert client.get(reverse("audits-audit-list"), {"status": "approved"}).json()["count"] == 0
    assert ChecklistItem.objects.count() == 0


def test_trends_api(org, client_for):
    audit, lead = started(org)
    from audits import services

    services.finding_raise(
        actor=lead, audit=audit, grade="minor", clause=clause("9"), statement="s", evidence_reference="e"
    )
    body = client_for(org.qm_a).get(reverse("audits-trends")).json()
    assert body["total"] == 1 and body["by_grade"] == {"minor": 1} and body["pareto"][0]["label"] == "AUD-STD 9"
    assert client_for(org.qm_b).get(reverse("audits-trends")).json()["total"] == 0


def test_the_schema_documents_the_audit_endpoints(org, client_for):
    schema = client_for(org.admin).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/audits/audits/{id}/reschedule/",
        "/api/v1/audits/audits/{id}/assign/",
        "/api/v1/audits/checklist-items/{id}/answer/",
        "/api/v1/audits/findings/{id}/raise-capa/",
        "/api/v1/audits/trends/",
        "/api/v1/audits/programmes/",
    ):
        assert path in paths, path
    assert "delete" not in paths["/api/v1/audits/audits/{id}/"]


def test_report_steps_are_authorised_by_the_services(org, client_for):
    """Start, sign, acknowledge and approve need no "change" permission but the right person: others get 403."""
    from tests.processes.gapkit import certify

    audit = audit_at(org, lead=auditor(org), auditees=[org.emp_a])
    assert client_for(org.emp_a).post(reverse("audits-audit-start", args=[audit.pk])).status_code == 403
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PLANNED
    lead = audit.lead_auditor
    assert client_for(lead).post(reverse("audits-audit-start", args=[audit.pk])).status_code == 200
    answer_all(Audit.objects.get(pk=audit.pk), lead)
    sign = {"username": lead.username, "password": org.password, "reason": "r"}
    assert (
        client_for(lead).post(reverse("audits-audit-complete", args=[audit.pk]), sign, content_type=JSON).status_code
        == 200
    )
    certify(org, org.emp_a, org.qm_a)
    body = {"username": "qm_a", "password": org.password}
    assert (
        client_for(org.qm_a)
        .post(reverse("audits-audit-acknowledge", args=[audit.pk]), body, content_type=JSON)
        .status_code
        == 403
    )
    body = {"username": org.emp_a.username, "password": org.password}
    response = client_for(org.emp_a).post(reverse("audits-audit-acknowledge", args=[audit.pk]), body, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == AuditStatus.ACKNOWLEDGED
    body = {"username": org.qm_a.username, "password": org.password}
    response = client_for(org.qm_a).post(reverse("audits-audit-approve", args=[audit.pk]), body, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == AuditStatus.APPROVED
