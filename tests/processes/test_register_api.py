"""The process register through the API: the same services, rules and scope as the pages."""

from __future__ import annotations

import pytest

from ims.audit.models import AuditEvent
from processes.models import Process, ProcessInteraction, ProcessType

from .test_register_isolation import owner_at, process_at

pytestmark = pytest.mark.django_db
PROCESSES = "/api/v1/processes/processes/"
INTERACTIONS = "/api/v1/processes/process-interactions/"
REASON = "Owner changed after the reorganisation"


def etag(client, url: str) -> dict:
    return {"HTTP_IF_MATCH": client.get(url).headers["ETag"]}


def test_a_quality_manager_registers_changes_and_retires_a_process(org, client_for):
    client = client_for(org.qm_a)
    body = {
        "code": "qc-rel",
        "name": "QC testing and batch release",
        "process_type": ProcessType.CORE,
        "owner": org.qm_a.pk,
        "sites": ["SITEA"],
        "functions": ["QA"],
        "inputs": "Samples\nBatch records",
    }
    created = client.post(PROCESSES, body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["code"], data["site_codes"], data["is_active"]) == ("QC-REL", ["SITEA"], True)
    url = f"{PROCESSES}{data['id']}/"

    no_reason = client.patch(url, {"owner": org.emp_a.pk}, content_type="application/json", **etag(client, url))
    assert no_reason.status_code == 400 and "change_reason" in no_reason.json()
    changed = client.patch(
        url, {"owner": org.emp_a.pk, "change_reason": REASON}, content_type="application/json", **etag(client, url)
    )
    assert changed.status_code == 200, changed.content
    process = Process.objects.get(pk=data["id"])
    assert process.owner == org.emp_a
    assert AuditEvent.objects.for_record(process).filter(action="U").latest("id").reason == REASON

    code_change = client.patch(
        url, {"code": "OTHER", "change_reason": REASON}, content_type="application/json", **etag(client, url)
    )
    assert code_change.status_code == 400 and "code" in code_change.json()

    deactivate = f"{url}deactivate/"
    assert client.post(deactivate, {}, content_type="application/json").status_code == 400
    retired = client.post(deactivate, {"change_reason": "Merged into QA-REL"}, content_type="application/json")
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert client.delete(url).status_code == 405
    assert Process.objects.filter(pk=data["id"]).exists()


def test_the_api_refuses_a_site_without_permission_and_bad_input_with_clear_messages(org, client_for):
    client = client_for(org.qm_a)
    base = {"name": "X", "process_type": ProcessType.CORE, "owner": org.qm_a.pk}
    other_site = client.post(PROCESSES, {**base, "code": "X-1", "sites": ["SITEB"]}, content_type="application/json")
    assert other_site.status_code == 400 and "sites" in other_site.json()  # another site is not even visible
    two_sites = client.post(
        PROCESSES, {**base, "code": "X-2", "sites": ["SITEA", "SITEB"]}, content_type="application/json"
    )
    assert two_sites.status_code == 400
    process_at(org.site_a, code="TAKEN")
    taken = client.post(PROCESSES, {**base, "code": "taken", "sites": ["SITEA"]}, content_type="application/json")
    assert taken.status_code == 400 and "already used" in str(taken.json()["code"])
    no_site = client.post(PROCESSES, {**base, "code": "X-3", "sites": []}, content_type="application/json")
    assert no_site.status_code == 400 and "sites" in no_site.json()
    unknown = client.post(
        PROCESSES, {**base, "code": "X-4", "sites": ["SITEA"], "colour": "red"}, content_type="application/json"
    )
    assert unknown.status_code == 400
    assert set(Process.objects.values_list("code", flat=True)) == {"TAKEN"}


def test_the_api_list_filters_like_the_page(org, client_for):
    process_at(org.site_a, code="MGT", process_type=ProcessType.MANAGEMENT)
    process_at(org.site_a, code="SUP", process_type=ProcessType.SUPPORT, functions=[org.qa])
    process_at(org.site_b, code="BOS", process_type=ProcessType.SUPPORT)
    client = client_for(org.admin)

    def codes(**params) -> set[str]:
        return {row["code"] for row in client.get(PROCESSES, params).json()["results"]}

    assert codes(process_type="support") == {"SUP", "BOS"}
    assert codes(site=org.site_b.pk) == {"BOS"}
    assert codes(function=org.qa.pk) == {"SUP"}
    assert codes(q="mg") == {"MGT"}


def test_interactions_through_the_api(org, client_for):
    source, target = process_at(org.site_a), process_at(org.site_a)
    foreign = process_at(org.site_b)
    client = client_for(org.qm_a)
    created = client.post(
        INTERACTIONS,
        {"source": source.code, "target": target.pk, "description": "Batches"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    url = f"{INTERACTIONS}{created.json()['id']}/"
    duplicate = client.post(INTERACTIONS, {"source": source.pk, "target": target.pk}, content_type="application/json")
    assert duplicate.status_code == 400 and "already hands output" in str(duplicate.json())
    to_self = client.post(INTERACTIONS, {"source": source.pk, "target": source.pk}, content_type="application/json")
    assert to_self.status_code == 400
    hidden = client.post(INTERACTIONS, {"source": source.pk, "target": foreign.pk}, content_type="application/json")
    assert hidden.status_code == 400
    moved = client.patch(
        url, {"target": process_at(org.site_a).pk, "change_reason": REASON}, content_type="application/json",
        **etag(client, url),
    )  # fmt: skip
    assert moved.status_code == 400
    changed = client.patch(
        url, {"description": "Batches and CoAs", "change_reason": REASON}, content_type="application/json",
        **etag(client, url),
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["description"] == "Batches and CoAs"
    retired = client.post(f"{url}deactivate/", {"change_reason": REASON}, content_type="application/json")
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert ProcessInteraction.objects.count() == 1


def test_the_process_api_is_in_the_schema(org, client_for):
    schema = client_for(org.admin).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/processes/processes/" in paths
    assert "/api/v1/processes/process-interactions/{id}/deactivate/" in paths


def test_owner_must_be_visible(org, client_for):
    client = client_for(org.qm_a)
    body = {"code": "X", "name": "X", "process_type": "core", "owner": owner_at(org.site_b).pk, "sites": ["SITEA"]}
    response = client.post(PROCESSES, body, content_type="application/json")
    assert response.status_code == 400 and "owner" in response.json()
