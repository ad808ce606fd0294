"""The objectives API: same services, scope, filters and reasons for change as the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ims.testing.kit import if_match
from policies.choices import ObjectiveStatus

from .factories import ObjectiveFactory, ObjectiveReadingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-6.2")]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_list_has_health_and_level_and_filters(org, client_for):
    company = ObjectiveFactory(site=None, owner=org.admin)
    site = ObjectiveFactory(site=org.site_a, parent=company, owner=org.qm_a)
    ObjectiveReadingFactory(objective=site, value=Decimal("99"))
    ObjectiveFactory(site=org.site_b, owner=org.qm_b)
    client = client_for(org.emp_a)
    data = client.get(reverse("objective-list")).json()
    assert data["count"] == 2
    by_id = {row["id"]: row for row in data["results"]}
    assert by_id[company.pk]["level"] == "company" and by_id[company.pk]["health"] == "not_measured"
    assert by_id[site.pk]["health"] == "on_track" and by_id[site.pk]["site_code"] == org.site_a.code
    assert Decimal(by_id[site.pk]["latest_value"]) == Decimal("99")
    only_company = client.get(reverse("objective-list"), {"level": "company"}).json()
    assert [row["id"] for row in only_company["results"]] == [company.pk]


def test_create_update_and_cancel(org, client_for):
    client = client_for(org.qm_a)
    body = {
        "title": "Complaints closed in 30 days",
        "kpi": "Complaints closed",
        "unit": "%",
        "direction": "higher",
        "target": "95",
        "site": org.site_a.code,
        "owner": org.qm_a.pk,
        "due_date": "2026-12-31",
    }
    response = client.post(reverse("objective-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == ObjectiveStatus.DRAFT and created["level"] == "site"
    detail = reverse("objective-detail", args=[created["id"]])
    assert client.patch(detail, {"status": "active"}, content_type="application/json").status_code == 400
    response = client.patch(
        detail, {"status": "active", "change_reason": "Approved"}, content_type="application/json",
        **if_match(client, detail),
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "active"
    response = client.patch(
        detail, {"status": "achieved", "change_reason": "x", "bogus": 1}, content_type="application/json",
        **if_match(client, detail),
    )  # fmt: skip
    assert response.status_code == 400
    response = client.post(
        reverse("objective-deactivate", args=[created["id"]]),
        {"change_reason": "Merged"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.delete(detail).status_code == 405


def test_cascade_errors_are_400_and_company_level_is_403(org, client_for):
    client = client_for(org.qm_a)
    base = {
        "title": "T",
        "kpi": "K",
        "direction": "higher",
        "target": "1",
        "owner": org.qm_a.pk,
        "due_date": "2026-12-31",
    }
    company_level = client.post(reverse("objective-list"), base, content_type="application/json")
    assert company_level.status_code == 403
    no_site = client.post(
        reverse("objective-list"),
        {**base, "site": org.site_a.pk, "function": org.qa.code, "parent": None},
        content_type="application/json",
    )
    assert no_site.status_code == 201
    function_objective = no_site.json()["id"]
    wrong_parent = client.post(
        reverse("objective-list"),
        {**base, "site": org.site_a.pk, "parent": function_objective},
        content_type="application/json",
    )
    assert wrong_parent.status_code == 400 and "parent" in wrong_parent.json()


def test_readings_api(org, client_for):
    objective = ObjectiveFactory(site=org.site_a, owner=org.qm_a)
    other = ObjectiveFactory(site=org.site_b, owner=org.qm_b)
    client = client_for(org.qm_a)
    url = reverse("objective-reading-list")
    response = client.post(
        url, {"objective": objective.pk, "period_end": "2026-09-30", "value": "97.1"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == org.qm_a.pk
    duplicate = client.post(
        url, {"objective": objective.pk, "period_end": "2026-09-30", "value": "97.9"}, content_type="application/json"
    )
    assert duplicate.status_code == 400
    hidden = client.post(
        url, {"objective": other.pk, "period_end": "2026-09-30", "value": "1"}, content_type="application/json"
    )
    assert hidden.status_code == 400  # another site's objective answers like a missing one
    listed = client.get(url, {"objective": objective.pk}).json()
    assert listed["count"] == 1
    reading_id = listed["results"][0]["id"]
    voided = client.post(
        reverse("objective-reading-deactivate", args=[reading_id]),
        {"change_reason": "Typo"},
        content_type="application/json",
    )
    assert voided.status_code == 200 and voided.json()["is_void"] is True
