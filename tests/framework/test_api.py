"""The framework API: records and plan items through the services, reason for change, 404 outside, schema."""

from __future__ import annotations

import pytest

from ims.audit.models import AuditEvent
from ims.testing.kit import if_match
from tests.framework.factories import item_at, procedure_at, process_at, record_at, role

pytestmark = pytest.mark.django_db
RECORDS = "/api/v1/framework/procedure-records/"
PLAN = "/api/v1/framework/monitoring-plan/"


def test_a_record_is_declared_changed_with_a_reason_and_retired(org, client_for):
    client = client_for(org.qm_a)
    procedure = procedure_at(org.site_a)
    response = client.post(RECORDS, {"document": procedure.pk, "name": "CAPA record", "retention": "10 years",
                                     "location": "Portal"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    url = f"{RECORDS}{response.json()['id']}/"
    headers = if_match(client, url)
    refused = client.patch(url, {"retention": "15 years"}, content_type="application/json", **headers)
    assert refused.status_code == 400 and "change_reason" in refused.json()
    changed = client.patch(url, {"retention": "15 years", "change_reason": "Device files"},
                           content_type="application/json", **headers)  # fmt: skip
    assert changed.status_code == 200 and changed.json()["retention"] == "15 years"
    bad = client.post(RECORDS, {"document": procedure.pk, "name": "CAPA record", "retention": "1", "location": "x"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and "already declares" in str(bad.json())
    retired = client.post(f"{url}deactivate/", {"change_reason": "Merged"}, content_type="application/json")
    assert retired.status_code == 200 and retired.json()["is_active"] is False


def test_another_sites_rows_answer_404(org, client_for):
    record, item = record_at(org.site_b), item_at(org.site_b)
    client = client_for(org.qm_a)
    assert client.get(f"{RECORDS}{record.pk}/").status_code == 404
    assert client.get(f"{PLAN}{item.pk}/").status_code == 404
    hidden = client.post(RECORDS, {"document": procedure_at(org.site_b).pk, "name": "X", "retention": "1",
                                   "location": "Y"}, content_type="application/json")  # fmt: skip
    assert hidden.status_code == 400


def test_a_plan_item_is_added_filtered_and_changed(org, client_for):
    client = client_for(org.qm_a)
    process = process_at(org.site_a)
    response = client.post(PLAN, {"process": process.code, "measure": "Yield", "method": "From the batch record",
                                  "frequency": "per_event", "responsible_role": role().code,
                                  "reported_to": "site_qm_meeting"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    item_at(org.site_a)
    listed = client.get(PLAN, {"process": process.pk}).json()["results"]
    assert [row["measure"] for row in listed] == ["Yield"]
    url = f"{PLAN}{response.json()['id']}/"
    changed = client.patch(url, {"frequency": "weekly", "change_reason": "Weekly review"},
                           content_type="application/json", **if_match(client, url))  # fmt: skip
    assert changed.status_code == 200
    event = AuditEvent.objects.filter(action="U").order_by("-id").first()
    assert event.reason == "Weekly review"
    wrong = client.post(PLAN, {"process": process.code, "method": "x", "frequency": "hourly",
                               "responsible_role": role().code, "reported_to": "site_qm_meeting", "measure": "Z"},
                        content_type="application/json")  # fmt: skip
    assert wrong.status_code == 400


def test_the_schema_documents_the_framework_endpoints(org, client_for):
    schema = client_for(org.admin).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (RECORDS, PLAN, "/api/v1/framework/matrix/", "/api/v1/framework/procedure-drafts/"):
        assert path in paths, path
