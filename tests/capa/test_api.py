"""The CAPA API: the workflow through POST transitions (signed where the pages sign), refusals as 409/400 with
nothing changed, evidence files, trends, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capa.choices import ActionStatus, CapaState
from capa.models import Capa, CapaAction
from ims.audit.models import AuditEvent
from ims.testing.kit import snapshot

from .capakit import capa_at, certify, investigated, planned

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, name, pk, body=None):
    return client.post(reverse(f"capa-{name}", args=[pk]), body or {}, content_type=JSON)


def test_the_workflow_through_the_api(org, client_for):
    qm, owner = client_for(org.qm_a), client_for(org.emp_a)
    created = qm.post(
        reverse("capa-list"),
        {"site": "SITEA", "title": "483 observation 3", "source": "inspection_483", "owner": org.emp_a.pk,
         "severity": 5, "occurrence": 2},
        content_type=JSON,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["risk_band"] == "medium" and created.json()["state"] == "open"
    assert post(owner, "investigate", pk, {"reason": "Inspection readiness"}).json()["state"] == "investigation"
    reasons = AuditEvent.objects.filter(table_name="capa_capa", object_pk=str(pk)).values_list("reason", flat=True)
    assert "Inspection readiness" in list(reasons)
    rca = post(
        owner, "rca", pk,
        {"whys": ["No check", "No SOP step"], "fishbone": {"method": ["SOP silent"]}, "root_cause": "SOP gap",
         "root_cause_category": "procedure"},
    )  # fmt: skip
    assert rca.status_code == 200 and rca.json()["whys"] == ["No check", "No SOP step"]
    action = qm.post(
        reverse("capa-action-list"),
        {"capa": pk, "kind": "corrective", "title": "Revise SOP", "owner": org.emp_a.pk, "due_date": "2026-12-01"},
        content_type=JSON,
    )
    assert action.status_code == 201, action.content
    stranger = qm.post(
        reverse("capa-action-list"),
        {"capa": pk, "kind": "corrective", "title": "X", "owner": org.emp_b.pk, "due_date": "2026-12-01"},
        content_type=JSON,
    )
    assert stranger.status_code == 400  # someone of another site: not even a valid choice for the caller
    certify(org, org.qm_a)
    wrong = post(qm, "approve", pk, {"username": "qm_a", "password": "wrong"})
    assert wrong.status_code == 401
    signed = post(qm, "approve", pk, {"username": "qm_a", "password": org.password, "reason": "Plan adequate"})
    assert signed.status_code == 200 and signed.json()["state"] == "plan_approved"
    assert post(owner, "implement", pk).json()["state"] == "implementation"
    upload = SimpleUploadedFile("sop.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    done = owner.post(reverse("capa-action-complete", args=[action.json()["id"]]), {"evidence_file": upload})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == ActionStatus.DONE and done.json()["has_evidence_file"]
    no_criterion = post(qm, "effectiveness", pk, {"criterion": ""})
    assert no_criterion.status_code == 400 and "measurable criterion" in no_criterion.content.decode()
    assert Capa.objects.get(pk=pk).state == CapaState.IMPLEMENTATION
    checks = qm.get(reverse("capa-check-list"), {"capa": pk})
    assert checks.status_code == 200


def test_invalid_transitions_answer_409_and_change_nothing(org, client_for):
    capa = capa_at(org)
    certify(org, org.qm_a)
    before = snapshot(capa)
    qm = client_for(org.qm_a)
    for name, body in (
        ("implement", {}),
        ("close", {"username": "qm_a", "password": org.password}),
        ("reopen", {"to_state": "investigation", "reason": "x"}),
        ("approve", {"username": "qm_a", "password": org.password}),
    ):
        response = post(qm, name, capa.pk, body)
        assert response.status_code == 409, (name, response.content)
        assert "The CAPA is open" in response.json()["detail"]
    assert snapshot(capa) == before
    assert post(client_for(org.emp_b), "investigate", capa.pk).status_code == 404
    assert post(client_for(org.inspector_a), "investigate", capa.pk).status_code == 403


def test_an_action_with_open_siblings_blocks_closure_through_the_api(org, client_for):
    capa = planned(org, investigated(org, capa_at(org)))
    Capa._base_manager.filter(pk=capa.pk).update(state=CapaState.EFFECTIVENESS_CHECK)
    certify(org, org.qm_a)
    response = post(client_for(org.qm_a), "close", capa.pk, {"username": "qm_a", "password": org.password})
    assert response.status_code == 409 and response.json()["code"] == "closure_gate"
    assert "2 action(s) not done" in response.json()["detail"]
    assert set(CapaAction.objects.values_list("status", flat=True)) == {ActionStatus.OPEN}


def test_trends_api_and_schema(org, client_for):
    capa_at(org)
    client = client_for(org.qm_a)
    rows = client.get(reverse("capa-trends")).json()
    assert {"metric": "open_age_0–30", "period_or_site": "SITEA", "count": 1, "value": None} in rows
    schema = client.get(reverse("api-schema")).content.decode()
    for path in ("/api/v1/capa/capas/{id}/approve/", "/api/v1/capa/actions/{id}/complete/", "/api/v1/capa/trends/"):
        assert path in schema


@pytest.mark.parametrize("pk", ["null", "èr", "õ]:ò,Ãè]+"])
@pytest.mark.parametrize("name", ["capa-rca", "capa-implement", "capa-effectiveness", "capa-action-complete"])
def test_an_id_that_is_not_a_number_answers_404_not_500(org, client_for, name, pk):
    """Found by the schema fuzzer: a non-numeric id in a workflow step's URL was a server error."""
    url = reverse(name, args=["0"]).replace("/0/", f"/{pk}/")
    response = client_for(org.qm_a).post(url, {}, content_type=JSON)
    assert response.status_code == 404


def test_an_effectiveness_plan_without_a_body_is_refused_with_the_reason(org, client_for):
    capa = capa_at(org)
    Capa._base_manager.filter(pk=capa.pk).update(state=CapaState.IMPLEMENTATION)
    response = client_for(org.qm_a).post(reverse("capa-effectiveness", args=[capa.pk]), {})
    assert response.status_code == 400 and "criterion" in response.json()
    assert Capa._base_manager.get(pk=capa.pk).state == CapaState.IMPLEMENTATION


def test_a_capa_without_a_root_cause_category_is_described_by_the_schema(org, client_for):
    """Blank until the RCA names it: the OpenAPI schema admits "" (the fuzzer found responses with it)."""
    import yaml

    capa = capa_at(org)
    body = client_for(org.qm_a).get(reverse("capa-detail", args=[capa.pk])).json()
    assert body["root_cause_category"] == ""
    schema = yaml.safe_load(client_for(org.qm_a).get("/api/schema/").content)
    field = schema["components"]["schemas"]["Capa"]["properties"]["root_cause_category"]
    assert "BlankEnum" in str(field)
