"""API tokens: ``Authorization: Bearer <token>``, stored hashed, refused when expired, revoked or read-only."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ims.access.models import ApiToken
from ims.access.services import api_token_create, api_token_revoke
from ims.org import services
from ims.org.models import Person

pytestmark = pytest.mark.django_db


#: Updates carry a reason for change (A11-9); API clients may send it as a header.
REASON_HEADER = {"HTTP_X_CHANGE_REASON": "Synchronised from the HR system"}


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def people_url() -> str:
    return reverse("person-list")


def person_url(person) -> str:
    return reverse("person-detail", args=[person.pk])


def test_a_bearer_token_authenticates_as_its_owner(org):
    _, raw = api_token_create(person=org.qm_a, name="HR sync")
    response = Client().get(people_url(), **bearer(raw))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert org.emp_a.pk in ids and org.emp_b.pk not in ids
    # The token carries the owner's site scope: another site's person is not found.
    assert Client().get(person_url(org.emp_b), **bearer(raw)).status_code == 404


def test_the_secret_is_stored_only_as_a_hash(org):
    token, raw = api_token_create(person=org.qm_a, name="HR sync")
    token.refresh_from_db()
    assert raw.startswith("ims_") and len(raw) > 40
    assert token.key_hash != raw and len(token.key_hash) == 64
    assert token.key_prefix == raw[:10]
    stored = " ".join(str(value) for row in ApiToken.objects.values() for value in row.values())
    assert raw not in stored
    assert raw[10:] not in stored


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ims_not-a-real-token",
        "Bearer ",
        "Bearer two parts",
        "Token ims_whatever",
        "Basic cW1fYTpDb3JyZWN0LUhvcnNlLUJhdHRlcnktOQ==",
        "ims_no_keyword",
    ],
)
def test_a_wrong_or_malformed_header_is_refused(org, header):
    response = Client().get(people_url(), HTTP_AUTHORIZATION=header)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_wrong_token_is_401_with_a_challenge(org):
    response = Client().get(people_url(), **bearer("ims_" + "x" * 43))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "Invalid token."


def test_a_token_in_the_query_string_is_ignored(org):
    _, raw = api_token_create(person=org.qm_a, name="HR sync")
    assert Client().get(people_url(), {"token": raw}).status_code in (401, 403)


def test_an_expired_token_is_refused(org):
    token, raw = api_token_create(person=org.qm_a, name="HR sync", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().get(people_url(), **bearer(raw))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_revoked_token_is_refused_at_the_next_call(org):
    token, raw = api_token_create(person=org.qm_a, name="HR sync")
    assert Client().get(people_url(), **bearer(raw)).status_code == 200
    api_token_revoke(token=token)
    response = Client().get(people_url(), **bearer(raw))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_deactivated_owners_token_is_refused(org):
    _, raw = api_token_create(person=org.qm_a, name="HR sync")
    services.person_deactivate(person=org.qm_a)
    response = Client().get(people_url(), **bearer(raw))
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_read_only_token_reads_but_never_writes(org):
    token, raw = api_token_create(person=org.qm_a, name="Reporting", read_only=True)
    client = Client()
    assert client.get(person_url(org.emp_a), **bearer(raw)).status_code == 200

    response = client.patch(
        person_url(org.emp_a),
        {"job_title": "Changed"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(raw),
        **REASON_HEADER,
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This API token is read-only."

    payload = {"username": "via_token", "employee_id": "T-1", "site": "SITEA", "function": "QA", "role": "employee"}
    response = client.post(people_url(), payload, content_type="application/json", **bearer(raw))
    assert response.status_code == 403
    response = client.post(reverse("person-deactivate", args=[org.emp_a.pk]), **bearer(raw), **REASON_HEADER)
    assert response.status_code == 403

    emp_a = Person.objects.get(pk=org.emp_a.pk)
    assert emp_a.job_title == "" and emp_a.is_active
    assert not Person.objects.filter(username="via_token").exists()


def test_a_read_write_token_writes_within_its_owners_permissions(org):
    _, raw = api_token_create(person=org.qm_a, name="HR sync", read_only=False)
    client = Client()
    response = client.patch(
        person_url(org.emp_a),
        {"job_title": "Operator"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(raw),
        **REASON_HEADER,
    )
    assert response.status_code == 200
    assert Person.objects.get(pk=org.emp_a.pk).job_title == "Operator"

    # Outside the owner's sites: not found; beyond the owner's role: forbidden.
    response = client.patch(
        person_url(org.emp_b),
        {"job_title": "X"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(raw),
        **REASON_HEADER,
    )
    assert response.status_code == 404
    response = client.post(
        reverse("site-list"),
        {"code": "SITEC", "name": "Cork", "country": "IE"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(raw),
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=org.emp_b.pk).job_title == ""

    _, employee_raw = api_token_create(person=org.emp_a, name="Mine", read_only=False)
    response = client.patch(
        person_url(org.qm_a),
        {"job_title": "X"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(employee_raw),
        **REASON_HEADER,
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=org.qm_a.pk).job_title == ""


def test_token_requests_need_no_csrf_token(org):
    _, raw = api_token_create(person=org.qm_a, name="HR sync", read_only=False)
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        person_url(org.emp_a),
        {"job_title": "Operator"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(raw),
        **REASON_HEADER,
    )
    assert response.status_code == 200


def test_last_used_is_recorded(org):
    token, raw = api_token_create(person=org.qm_a, name="HR sync")
    assert token.last_used_at is None
    before = timezone.now()
    assert Client().get(people_url(), **bearer(raw)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before

    # Old enough to be refreshed on the next call.
    stale = timezone.now() - datetime.timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    Client().get(people_url(), **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at > stale


def test_a_failed_call_does_not_touch_other_tokens(org):
    token, _ = api_token_create(person=org.qm_a, name="HR sync")
    Client().get(people_url(), **bearer("ims_wrong"))
    token.refresh_from_db()
    assert token.last_used_at is None
