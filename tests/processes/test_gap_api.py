"""The gap analysis API: plan, start, record with a reason, refusals, complete, approve with a signature,
raise an action, statements of applicability; another site's records answer 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from processes.models import AssessmentStatus, ClauseResult, GapAssessment, StatementStatus

from .gapkit import certify, clause, small_standards

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards():
    return small_standards()


def patch(client, url, body, reason="Checked on site"):
    tag = client.get(url).headers.get("ETag")
    data = {**body, "change_reason": reason} if reason else body
    return client.patch(url, data, content_type="application/json", HTTP_IF_MATCH=tag)


def test_the_whole_assessment_through_the_api(org, standards, client_for):
    a, b = standards
    client = client_for(org.qm_a)
    created = client.post(
        reverse("processes-gapassessment-list"),
        {
            "title": "API readiness",
            "sites": ["SITEA"],
            "standards": [a.pk],
            "lead_assessor": org.qm_a.pk,
            "planned_start": "2026-11-02",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["progress"]["total"] == 5
    pk = body["id"]
    assert client.post(reverse("processes-gapassessment-start", args=[pk])).json()["status"] == "in_progress"

    results = client.get(reverse("processes-clauseresult-list"), {"assessment": pk, "answered": "false"}).json()
    assert results["count"] == 5
    first_url = reverse("processes-clauseresult-detail", args=[results["results"][0]["id"]])
    assert patch(client, first_url, {"status": "gap"}, reason="").status_code == 400  # no reason for change
    refused = patch(client, first_url, {"status": "not_applicable"})
    assert refused.status_code == 400 and "justification" in refused.json()
    assert patch(client, first_url, {"status": "gap", "finding": "No register"}).json()["status"] == "gap"

    other = ClauseResult.objects.filter(assessment_id=pk).exclude(status="").first()
    raised = client.post(
        reverse("processes-clauseresult-raise-action", args=[other.pk]), {}, content_type="application/json"
    )
    assert raised.status_code == 200 and raised.json()["action_ref"].startswith("ACT-")

    unanswered = client.post(reverse("processes-gapassessment-complete", args=[pk]))
    assert unanswered.status_code == 409 and unanswered.json()["code"] == "unanswered"
    for row in ClauseResult.objects.filter(assessment_id=pk, status=""):
        url = reverse("processes-clauseresult-detail", args=[row.pk])
        assert patch(client, url, {"status": "conforming"}).status_code == 200
    assert client.post(reverse("processes-gapassessment-complete", args=[pk])).json()["status"] == "completed"
    late = patch(client, first_url, {"status": "conforming"})
    assert late.status_code == 400 and ClauseResult.objects.get(pk=results["results"][0]["id"]).status == "gap"

    certify(org, org.qm_a, org.admin)
    own = client.post(
        reverse("processes-gapassessment-approve", args=[pk]),
        {"username": "qm_a", "password": org.password},
        content_type="application/json",
    )
    assert own.status_code == 403  # the lead assessor
    approved = client_for(org.admin).post(
        reverse("processes-gapassessment-approve", args=[pk]),
        {"username": "global_admin", "password": org.password, "reason": "Checked"},
        content_type="application/json",
    )
    assert approved.status_code == 200, approved.content
    assert GapAssessment.objects.get(pk=pk).status == AssessmentStatus.APPROVED


def test_a_clause_result_of_another_site_is_not_found(org, standards, client_for):
    a, _ = standards
    from .gapkit import assessment_at

    assessment = assessment_at(org, [org.site_b], [a], start=True)
    row = assessment.results.first()
    client = client_for(org.qm_a)
    assert client.get(reverse("processes-clauseresult-detail", args=[row.pk])).status_code == 404
    assert client.get(reverse("processes-gapassessment-detail", args=[assessment.pk])).status_code == 404
    assert client.post(reverse("processes-gapassessment-start", args=[assessment.pk])).status_code == 404
    listed = client.get(reverse("processes-clauseresult-list"), {"assessment": assessment.pk}).json()
    assert listed["count"] == 0


def test_statements_through_the_api(org, standards, client_for):
    a, _ = standards
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    created = client.post(
        reverse("processes-applicabilitystatement-list"),
        {"site": "SITEA", "standards": [a.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    entries = client.get(reverse("processes-applicabilityentry-list"), {"statement": pk}).json()
    assert entries["count"] == 5
    entry_url = reverse("processes-applicabilityentry-detail", args=[entries["results"][0]["id"]])
    assert patch(client, entry_url, {"applicable": False}).status_code == 400
    assert patch(client, entry_url, {"applicable": False, "justification": "Outsourced"}).json()["applicable"] is False
    signed = client.post(
        reverse("processes-applicabilitystatement-approve", args=[pk]),
        {"username": "qm_a", "password": org.password},
        content_type="application/json",
    )
    assert signed.status_code == 200 and signed.json()["status"] == StatementStatus.APPROVED
    assert patch(client, entry_url, {"applicable": True}).status_code == 400
    assert client_for(org.qm_b).get(entry_url).status_code == 404
    clause(a, "6")  # the library is untouched by statements
