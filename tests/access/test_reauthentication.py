"""A stolen session alone cannot take the account over: new API tokens and new recovery codes need the person
to have signed in, or confirmed their password (and second factor), within five minutes."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from ims.access.models import ApiToken
from ims.access.sessions import LOGIN_AT, REAUTH_AT, REAUTH_SECONDS
from tests.conftest import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.req("ASVS5-6.3.1")]

TOKENS = reverse("web:token_create")
CONFIRM = reverse("access:reauthenticate")


def age_session(client, seconds: float) -> None:
    session = client.session
    session[LOGIN_AT] = time.time() - seconds
    session.pop(REAUTH_AT, None)
    session.save()


def test_a_token_needs_a_fresh_confirmation_after_five_minutes(org, password_client_for):
    client = password_client_for(org.emp_a)  # an employee without a second factor: the password confirms
    age_session(client, REAUTH_SECONDS + 60)
    response = client.post(TOKENS, {"name": "stolen", "days": 30, "read_only": "on"})
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert not ApiToken.objects.filter(person=org.emp_a).exists()

    wrong = client.post(CONFIRM, {"password": "not-my-password", "next": reverse("web:profile")})
    assert wrong.status_code == 400 and "did not match" in wrong.content.decode()
    right = client.post(CONFIRM, {"password": org.password, "next": reverse("web:profile")})
    assert right.status_code == 302 and right["Location"] == reverse("web:profile")
    assert client.post(TOKENS, {"name": "mine", "days": 30, "read_only": "on"}).status_code == 200
    assert ApiToken.objects.filter(person=org.emp_a, name="mine").exists()


def test_just_signed_in_needs_no_second_confirmation(org, password_client_for):
    client = password_client_for(org.emp_a)
    assert client.post(TOKENS, {"name": "fresh", "days": 30, "read_only": "on"}).status_code == 200


def test_with_a_second_factor_the_confirmation_asks_for_its_code_too(org, client_for):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client_for(org.qm_a)  # quality managers use a second factor
    device = TOTPDevice.objects.get(user=org.qm_a, confirmed=True)
    age_session(client, REAUTH_SECONDS + 60)
    response = client.post(reverse("access:mfa_recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    page = client.get(CONFIRM).content.decode()
    assert 'name="code"' in page
    assert client.post(CONFIRM, {"password": org.password}).status_code == 400  # the password alone is not enough
    assert client.post(CONFIRM, {"password": org.password, "code": totp_code(device)}).status_code == 302
    codes = re.findall(
        r"data-recovery-code>([a-z2-7]+)<", client.post(reverse("access:mfa_recovery_codes")).content.decode()
    )
    assert len(codes) == 10
