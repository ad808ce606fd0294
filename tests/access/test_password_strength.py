"""Weak passwords are refused with the reason (ASVS5-6.2.x): guessability with the company's context words."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = [pytest.mark.django_db, pytest.mark.req("ASVS5-6.2.1", "ASVS5-6.2.4")]


@pytest.fixture
def basel(org):
    from ims.org.models import Site

    Site.objects.filter(pk=org.site_a.pk).update(name="Basel Plant", timezone="Europe/Zurich")
    return org


@pytest.mark.parametrize(
    "password",
    ["Basel2026!!!", "Zurich-2026!!", "Sitea2026!!!!", "Emp_a2026!!!", "Summer2026!!!"],
)
def test_passwords_built_from_context_words_are_refused_with_the_reason(basel, password, settings):
    settings.IMS_COMPANY_NAME = "Helvetia Biologics"
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=basel.emp_a)
    messages = " ".join(refused.value.messages)
    assert "too easy to guess" in messages


def test_the_company_name_is_a_context_word(basel, settings):
    settings.IMS_COMPANY_NAME = "Helvetia Biologics"
    with pytest.raises(ValidationError):
        validate_password("Helvetia2026!!", user=basel.emp_a)


@pytest.mark.parametrize("password", ["Window-Garden-Lantern-58", "Correct-Horse-Battery-9", "kX9#mP2$vL5q-w"])
def test_strong_passwords_pass(basel, password):
    validate_password(password, user=basel.emp_a)


def test_the_change_password_page_refuses_a_weak_one(basel, client_for):
    from django.urls import reverse

    client = client_for(basel.emp_a)
    response = client.post(
        reverse("access:password_change"),
        {"old_password": basel.password, "new_password1": "Basel2026!!!", "new_password2": "Basel2026!!!"},
    )
    assert response.status_code == 200 and "too easy to guess" in response.content.decode()
