"""``/api/v1/esign/signatures/``: the ceremony over the API, its statuses, mass assignment, scoped listing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ims.access.services import api_token_create
from ims.esign.models import Signature

pytestmark = pytest.mark.django_db

URL = "/api/v1/esign/signatures/"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def body(org, site, **extra) -> dict:
    return {
        "content_type": "org.site",
        "object_pk": str(site.pk),
        "meaning": "approved",
        "password": org.password,
        **extra,
    }


@pytest.fixture
def qm_client(org, client_for, certify):
    certify(org.qm_a)
    return client_for(org.qm_a)


def post(client, data, **extra):
    return client.post(URL, data, content_type="application/json", **extra)


def test_url_name_is_stable():
    assert reverse("esign-signature-list") == URL


@pytest.mark.req("P11-200a1", "P11-50")
def test_sign_over_the_api_in_a_web_session(org, qm_client, signable_site):
    first = post(qm_client, body(org, org.site_a))
    assert first.status_code == 400 and first.json()["code"] == "username_required"
    response = post(qm_client, body(org, org.site_a, username="qm_a", reason="Release"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["signer_name"] == "Qm A" and data["meaning"] == "approved" and data["meaning_label"] == "Approved"
    assert ISO_UTC.match(data["signed_at"])
    assert data["time_zone"] == "Europe/Zurich" and re.search(r"[+-]\d\d:\d\d$", data["signed_at_local"])
    assert "password" not in data
    # continuous session: password only
    assert post(qm_client, body(org, org.site_a)).status_code == 201


@pytest.mark.req("P11-200a1")
def test_token_clients_always_give_the_user_id(org, client, certify, signable_site):
    certify(org.qm_a)
    _, secret = api_token_create(person=org.qm_a, name="LIMS", days=10, read_only=False)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert post(client, body(org, org.site_a), **auth).status_code == 400
    assert post(client, body(org, org.site_a, username="qm_a"), **auth).status_code == 201
    assert post(client, body(org, org.site_a), **auth).status_code == 400
    _, read_only = api_token_create(person=org.qm_a, name="read", days=10, read_only=True)
    response = post(client, body(org, org.site_a, username="qm_a"), HTTP_AUTHORIZATION=f"Bearer {read_only}")
    assert response.status_code == 403


@pytest.mark.req("P11-70", "P11-200a1")
@pytest.mark.parametrize(
    "field,value",
    [
        ("signer", 1),
        ("signed_at", "2020-01-01T00:00:00Z"),
        ("signature_hash", "0" * 64),
        ("record_hash", "0" * 64),
        ("signer_name", "Someone"),
        ("channel", "web"),
    ],
)
def test_client_supplied_signature_fields_are_rejected(org, qm_client, signable_site, field, value):
    response = post(qm_client, body(org, org.site_a, username="qm_a", **{field: value}))
    assert response.status_code == 400
    assert response.json() == {field: ["Unknown field."]}
    assert not Signature.objects.for_record(org.site_a).exists()


@pytest.mark.req("P11-200a1", "P11-300d")
@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"password": ""}, 400, "password_required"),
        ({"password": "wrong"}, 401, "wrong_password"),
        ({"username": "qm_b"}, 401, "wrong_username"),
    ],
)
def test_refusals_have_their_status_and_record_nothing(org, qm_client, signable_site, change, status, code):
    response = post(qm_client, body(org, org.site_a, **{"username": "qm_a", **change}))
    assert response.status_code == status and response.json()["code"] == code
    assert not Signature.objects.for_record(org.site_a).exists()


def test_missing_password_key_is_refused(org, qm_client, signable_site):
    data = body(org, org.site_a, username="qm_a")
    del data["password"]
    assert post(qm_client, data).status_code == 400


@pytest.mark.req("P11-100c")
def test_uncertified_signer_gets_403_with_the_certification_link(org, client_for, signable_site):
    response = post(client_for(org.qm_a), body(org, org.site_a, username="qm_a"))
    assert response.status_code == 403
    assert response.json()["link"] == reverse("esign:certify")


@pytest.mark.req("P11-300d")
def test_locked_signer_gets_423(org, qm_client, signable_site):
    for _ in range(3):
        post(qm_client, body(org, org.site_a, username="qm_a", password="wrong"))
    response = post(qm_client, body(org, org.site_a, username="qm_a"))
    assert response.status_code == 423
    assert not Signature.objects.for_record(org.site_a).exists()


@pytest.mark.req("P11-10d")
def test_records_of_other_sites_are_not_found(org, qm_client, signable_site):
    assert post(qm_client, body(org, org.site_b, username="qm_a")).status_code == 404
    assert qm_client.get(URL, {"content_type": "org.site", "object_pk": org.site_b.pk}).status_code == 404
    unknown = post(qm_client, {**body(org, org.site_a, username="qm_a"), "content_type": "org.person"})
    assert unknown.status_code == 400


@pytest.mark.req("P11-50")
def test_list_shows_the_manifestation(org, qm_client, client_for, signable_site):
    assert post(qm_client, body(org, org.site_a, username="qm_a")).status_code == 201
    org.qm_a.last_name = "Renamed"
    org.qm_a.save()
    response = client_for(org.admin).get(URL, {"content_type": "org.site", "object_pk": org.site_a.pk})
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["signer_name"] == "Qm A"
    assert ISO_UTC.match(item["signed_at"]) and item["meaning_label"] == "Approved"
    assert "Qm A" in item["manifestation"] and "Approved" in item["manifestation"]
    assert qm_client.get(URL).status_code == 400


def test_anonymous_is_refused(client, org):
    assert client.get(URL).status_code in (401, 403)
    assert client.post(URL, {}, content_type="application/json").status_code in (401, 403)
