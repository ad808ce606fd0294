"""Second factor (COMPLIANCE.md §6 row 19): QM, Global Admin and Inspector reach no page without it.

TOTP codes are accepted once (ASVS5-6.5.1); recovery codes work once; bearer tokens are not affected.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ims.access.services import api_token_create
from ims.org.choices import RoleCode
from ims.org.models import Role
from tests.conftest import totp_code
from tests.test_url_protection import ADMIN, ENDPOINTS, PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.req("ASVS5-6.3.3")]

SETUP = reverse("access:mfa_setup")
VERIFY = reverse("access:mfa_verify")
EXEMPT = {"logout", "access:mfa_verify", "access:mfa_setup"}


def enrol(person) -> TOTPDevice:
    return TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)


def sign_in(person, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": person.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_the_privileged_roles_require_a_second_factor():
    flagged = set(Role.objects.filter(requires_mfa=True).values_list("code", flat=True))
    assert flagged == {RoleCode.GLOBAL_ADMIN, RoleCode.QUALITY_MANAGER, RoleCode.INSPECTOR}


@pytest.mark.parametrize("principal", ["qm_a", "admin", "inspector_a"])
def test_privileged_people_reach_no_page_without_the_second_factor(org, password_client_for, principal):
    """Every GET URL of the pages and the admin → the second-factor step; session API calls → 403."""
    client = password_client_for(getattr(org, principal))
    pages = [e for e in ENDPOINTS if e.kind in (PAGE, ADMIN) and e.name not in EXEMPT]
    assert len(pages) > 20
    leaks = []
    for endpoint in pages:
        response = client.get(endpoint.url)
        if response.status_code != 302 or not response["Location"].startswith(SETUP):
            leaks.append(f"{endpoint}: {response.status_code} {response.get('Location', '')}")
    assert not leaks, "reachable without a second factor:\n" + "\n".join(leaks)
    api = client.get(reverse("person-list"))
    assert api.status_code == 403


def test_an_enrolled_person_is_sent_to_the_code_step(org, password_client_for):
    enrol(org.qm_a)
    response = password_client_for(org.qm_a).get(reverse("org:person_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY) and "next=%2Forg%2F" in response["Location"]


def test_an_employee_needs_no_second_factor(org, password_client_for):
    client = password_client_for(org.emp_a)
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.get(reverse("org:person_list")).status_code == 200


def test_an_employee_who_enrolled_must_use_the_second_factor(org, password_client_for):
    enrol(org.emp_a)
    response = password_client_for(org.emp_a).get(reverse("web:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_signing_out_stays_possible_before_the_second_factor(org, password_client_for):
    client = password_client_for(org.qm_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.req("ASVS5-6.5.1", "ASVS5-6.5.5")
def test_enrolment_confirms_the_device_only_with_a_valid_code(org):
    client = sign_in(org.qm_a, org.password)
    page = client.get(SETUP)
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "data-totp-secret" in body  # QR code rendered here, secret as text
    assert "http://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    device = TOTPDevice.objects.get(user=org.qm_a)
    assert device.confirmed is False
    assert device.step == 30 and device.digits == 6  # ASVS5-6.5.5: a code lives at most 30 s
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", body)[1]
    assert secret in device.config_url

    wrong = client.post(SETUP, {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(reverse("web:dashboard")).status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(SETUP, {"code": totp_code(device), "next": reverse("org:person_list")})
    assert response.status_code == 200
    codes = re.findall(r"data-recovery-code>([a-z2-7]+)<", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("org:person_list")).status_code == 200
    # Shown once: the setup page now refuses to enrol again and shows no codes.
    again = client.get(SETUP, follow=True)
    assert "data-recovery-code" not in again.content.decode()


@pytest.mark.req("ASVS5-6.5.1", "ASVS5-7.2.4")
def test_sign_in_with_password_then_code_and_no_replay(org):
    device = enrol(org.qm_a)
    client = sign_in(org.qm_a, org.password)
    response = client.get(reverse("web:dashboard"))
    assert response["Location"].startswith(VERIFY)
    before = client.session.session_key
    code = totp_code(device)
    response = client.post(VERIFY, {"code": code, "next": reverse("web:dashboard")})
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.session.session_key != before  # a new session key once the second factor is given

    # The same code, replayed in a second sign-in inside its time window, is refused.
    other = sign_in(org.qm_a, org.password)
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert other.get(reverse("web:dashboard")).status_code == 302


def test_wrong_codes_are_throttled(org):
    device = enrol(org.qm_a)
    client = sign_in(org.qm_a, org.password)
    good = totp_code(device)
    client.post(VERIFY, {"code": "000000" if good != "000000" else "111111"})
    response = client.post(VERIFY, {"code": good})  # right code, but straight after a wrong one
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()


def test_a_recovery_code_works_once(org, client_for):
    enrol(org.qm_a)
    verified = client_for(org.qm_a)
    response = verified.post(reverse("access:mfa_recovery_codes"))
    codes = re.findall(r"data-recovery-code>([a-z2-7]+)<", response.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.filter(device__user=org.qm_a).values_list("token", flat=True))
    assert not stored & set(codes) and all(token.startswith("h:") for token in stored)  # only hashes are kept

    first = sign_in(org.qm_a, org.password)
    assert first.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert first.get(reverse("web:dashboard")).status_code == 200
    assert StaticToken.objects.filter(device__user=org.qm_a).count() == 9

    second = sign_in(org.qm_a, org.password)
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_renewing_recovery_codes_needs_a_verified_session(org, password_client_for):
    response = password_client_for(org.emp_a).post(reverse("access:mfa_recovery_codes"))
    assert response.status_code == 403


def test_the_code_step_never_redirects_off_site(org):
    device = enrol(org.qm_a)
    client = sign_in(org.qm_a, org.password)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")


def test_bearer_tokens_are_not_asked_for_a_second_factor(org):
    _, raw = api_token_create(person=org.qm_a, name="sync", read_only=True)
    response = Client().get(reverse("person-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_the_test_clients_are_fully_verified(org, client_for):
    """Guards the shared fixture: ``client_for`` gives a session past both factors."""
    client = client_for(org.qm_a)
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get(reverse("org:person_list")).status_code == 200
