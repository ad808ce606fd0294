"""Brute force (COMPLIANCE.md §6 row 19): an account locks at the configured number of failures.

Locked means refused even with the right password, until an administrator unlocks it; failures count
per account whatever the client address or browser, and a forged X-Forwarded-For changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.access.lockout import client_ip
from ims.access.services import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.req("ASVS5-6.3.1", "ASVS4-2.2.1", "P11-300d")]

LOGIN = reverse("login")


def attempt(username: str, password: str, *, ip: str = "203.0.113.7", agent: str = "Firefox", forwarded: str = ""):
    extra = {"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client()
    return client, client.post(LOGIN, {"username": username, "password": password}, **extra)


def lock(username: str) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(username, f"wrong-password-{n}")


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_account_locks_at_the_limit_and_refuses_the_right_password(org):
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        _, response = attempt("emp_a", f"wrong-password-{n}")
        assert response.status_code == 200  # the ordinary "wrong password" page
    _, response = attempt("emp_a", "wrong-password-last")
    assert response.status_code == 429

    client, response = attempt("emp_a", org.password)
    body = response.content.decode()
    assert response.status_code == 429
    assert "data-locked-out" in body and "locked" in body and "administrator" in body
    assert 'name="username"' in body  # the sign-in page itself, with the reason
    assert not signed_in(client)


def test_below_the_limit_the_right_password_works_and_resets_the_count(org):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("emp_a", f"wrong-password-{n}")
    client, response = attempt("emp_a", org.password)
    assert response.status_code == 302 and signed_in(client)
    assert not AccessAttempt.objects.filter(username="emp_a").exists()


def test_failures_count_per_account_across_addresses_and_browsers(org):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("emp_a", "wrong-password", ip=f"198.51.100.{n + 1}", agent=f"Browser {n}")
    client, response = attempt("emp_a", org.password, ip="192.0.2.99", agent="Another")
    assert response.status_code == 429 and not signed_in(client)
    # Another account is not affected.
    other, response = attempt("emp_b", org.password)
    assert response.status_code == 302 and signed_in(other)


@pytest.mark.req("ASVS5-4.1.3")
def test_a_forged_forwarded_for_header_changes_neither_the_recorded_nor_the_locked_address(org):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("emp_a", "wrong-password", ip="203.0.113.7", forwarded=f"10.9.8.{n}")
    addresses = set(AccessAttempt.objects.filter(username="emp_a").values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.7"}
    client, response = attempt("emp_a", org.password, forwarded="127.0.0.1")
    assert response.status_code == 429 and not signed_in(client)


@pytest.mark.req("ASVS5-4.1.3")
def test_behind_a_trusted_proxy_the_address_comes_from_the_proxy_hop(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert client_ip(request) == "10.0.0.2"  # no proxy configured: the header is ignored
    settings.IMS_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4"  # the address the proxy saw; the client-set part is ignored
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    assert client_ip(request) == "10.0.0.2"


def test_a_global_admin_unlocks_an_account_and_the_unlock_is_recorded(org, client_for, caplog):
    lock("emp_a")
    admin = client_for(org.admin)
    page = admin.get(reverse("access:lockouts"))
    assert page.status_code == 200 and 'data-lockout="emp_a"' in page.content.decode()

    with caplog.at_level(logging.WARNING, logger="ims.access.lockout"):
        response = admin.post(reverse("access:lockout_clear"), {"username": "emp_a"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="emp_a").exists()
    assert any("emp_a" in r.getMessage() and "global_admin" in r.getMessage() for r in caplog.records)
    assert 'data-lockout="emp_a"' not in admin.get(reverse("access:lockouts")).content.decode()

    client, response = attempt("emp_a", org.password)
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("principal", ["qm_a", "emp_a", "inspector_a"])
def test_only_global_person_administrators_unlock(org, client_for, principal):
    lock("emp_b")
    client = client_for(getattr(org, principal))
    assert client.get(reverse("access:lockouts")).status_code == 403
    assert client.post(reverse("access:lockout_clear"), {"username": "emp_b"}).status_code == 403
    assert AccessAttempt.objects.filter(username="emp_b").exists()


def test_the_lockout_page_costs_the_same_queries_for_many_locked_accounts(org, client_for):
    admin = client_for(org.admin)
    lock("emp_a")
    admin.get(reverse("access:lockouts"))
    with CaptureQueriesContext(connection) as one:
        admin.get(reverse("access:lockouts"))
    for name in ("emp_b", "qm_b", "nobody_1", "nobody_2"):
        lock(name)
    with CaptureQueriesContext(connection) as five:
        response = admin.get(reverse("access:lockouts"))
    assert response.content.decode().count("data-lockout=") == 5
    assert len(five) == len(one)


def test_bearer_tokens_are_not_affected_by_a_lockout(org):
    _, raw = api_token_create(person=org.qm_a, name="sync", read_only=True)
    lock("qm_a")
    response = Client().get(reverse("person-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_a_locked_account_is_refused_without_a_request_too(org):
    """Scripts and test helpers authenticate without a request; the lock still holds."""
    lock("emp_a")
    assert Client().login(username="emp_a", password=org.password) is False


def test_the_limit_and_cool_off_come_from_the_environment():
    probe = (
        "import json, ims.settings as s; "
        "print(json.dumps([s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME and s.AXES_COOLOFF_TIME.total_seconds()]))"
    )
    env = dict(os.environ, AXES_FAILURE_LIMIT="7", AXES_COOLOFF_MINUTES="30")
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [7, 1800]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AXES_")}
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [5, None]
