"""The register API: the services' rules answer 400 with nothing saved; reasons reach the audit trail."""

from __future__ import annotations

import pytest

from ims.audit.models import AuditEvent
from manual.risks.models import Obligation, RiskEntry

from .factories import entry_at, in_days, obligation_at, owner_at, process_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_create_with_score_outside_scale_is_400(org, client_for):
    client = client_for(org.qm_a)
    body = {
        "kind": "ohs_hazard", "site": org.site_a.code, "process": process_at(org.site_a).code, "title": "Noise",
        "owner": owner_at(org.site_a).pk, "review_date": in_days(30).isoformat(), "activity": "Milling",
        "hazard": "Noise", "people_exposed": "Operators", "inherent_severity": 7, "inherent_likelihood": 3,
        "residual_severity": 2, "residual_likelihood": 2,
    }  # fmt: skip
    response = client.post("/api/v1/risks/entries/", body, content_type="application/json")
    assert response.status_code == 400
    assert "inherent_severity" in response.json()
    assert not RiskEntry.objects.exists()
    body["inherent_severity"] = 4
    created = client.post("/api/v1/risks/entries/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["inherent_score"] == 12


def test_update_records_reason_and_filters(org, client_for):
    entry = entry_at(org.site_a)
    client = client_for(org.qm_a)
    url = f"/api/v1/risks/entries/{entry.pk}/"
    tag = client.get(url).headers["ETag"]
    response = client.patch(url, {"residual_likelihood": 1, "change_reason": "Guard fitted"},
                            content_type="application/json", HTTP_IF_MATCH=tag)  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["residual_score"] == 4
    event = AuditEvent.objects.for_record(entry).filter(action="U").order_by("-id").first()
    assert event.reason == "Guard fitted"
    assert [r["id"] for r in client.get("/api/v1/risks/entries/", {"band": "low"}).json()["results"]] == [entry.pk]
    assert client.get("/api/v1/risks/entries/", {"band": "high"}).json()["results"] == []


def test_obligation_and_evaluation_through_the_api(org, client_for):
    obligation = obligation_at(org.site_a)
    client = client_for(org.qm_a)
    response = client.post("/api/v1/risks/evaluations/", {
        "obligation": obligation.pk, "site": org.site_a.code, "evaluated_on": in_days(0).isoformat(),
        "result": "non_compliant", "evidence": "Stack emission above limit", "next_evaluation": in_days(30).isoformat(),
    }, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.json()
    obligation.refresh_from_db()
    assert obligation.next_evaluation == in_days(30)
    listed = client.get(f"/api/v1/risks/obligations/{obligation.pk}/").json()
    assert listed["last_result"] == "non_compliant"
    assert client_for(org.qm_b).get(f"/api/v1/risks/obligations/{obligation.pk}/").status_code == 404
    assert Obligation.objects.count() == 1


def test_schema_lists_the_register(org, client_for):
    schema = client_for(org.qm_a).get("/api/schema/").content.decode()
    for path in ("/api/v1/risks/entries/", "/api/v1/risks/controls/", "/api/v1/risks/obligations/",
                 "/api/v1/risks/evaluations/", "/api/v1/risks/import/"):  # fmt: skip
        assert path in schema
