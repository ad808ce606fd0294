"""Brute force (COMPLIANCE.md §6 row 19): an account locks at the configured number of failures.

Locked means refused even with the right password, from the address that failed, for a cool-off that grows
with each lockout (or until an administrator unlocks it, with a reason); the same person signs in from
elsewhere meanwhile, so nobody can lock a colleague out by typing their user name. A forged X-Forwarded-For
changes nothing.
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
    assert "data-locked-out" in body and "Try again in 15 minutes" in body and "administrator" in body
    assert 'name="username"' in body  # the sign-in page itself, with the reason
    assert not signed_in(client)


def test_below_the_limit_the_right_password_works_and_resets_the_count(org):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("emp_a", f"wrong-password-{n}")
    client, response = attempt("emp_a", org.password)
    assert response.status_code == 302 and signed_in(client)
    assert not AccessAttempt.objects.filter(username="emp_a").exists()


def test_a_lock_holds_for_the_address_that_failed_not_for_the_person_elsewhere(org):
    """Five wrong passwords typed by a stranger do not lock the account holder out of their own desk."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("emp_a", f"wrong-password-{n}", ip="198.51.100.66")
    client, response = attempt("emp_a", org.password, ip="198.51.100.66")
    assert response.status_code == 429 and not signed_in(client)
    client, response = attempt("emp_a", org.password, ip="192.0.2.10")  # the person, at their desk
    assert response.status_code == 302 and signed_in(client)
    other, response = attempt("emp_b", org.password, ip="198.51.100.66")  # another account from there
    assert response.status_code == 302 and signed_in(other)


def test_the_cool_off_ends_the_lock_and_grows_with_each_lockout(org):
    from datetime import timedelta

    from axes.models import AccessFailureLog
    from django.utils import timezone

    from ims.access.lockout import MAX_COOL_OFF, cool_off

    lock("emp_a")
    request = RequestFactory().post(LOGIN, {"username": "emp_a"}, REMOTE_ADDR="203.0.113.7")
    assert cool_off(request) == timedelta(minutes=15)
    # The cool-off passed: the lock is gone and the right password works.
    AccessAttempt.objects.filter(username="emp_a").update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = attempt("emp_a", org.password)
    assert response.status_code == 302 and signed_in(client)
    lock("emp_a")  # a second lockout from the same address within a day: twice as long
    assert cool_off(request) == timedelta(minutes=30)
    AccessAttempt.objects.filter(username="emp_a").update(attempt_time=timezone.now() - timedelta(minutes=16))
    _, response = attempt("emp_a", org.password)
    assert response.status_code == 429
    assert "Try again in 30 minutes" in response.content.decode()
    AccessFailureLog.objects.filter(username="emp_a").update(attempt_time=timezone.now() - timedelta(days=2))
    assert cool_off(request) == timedelta(minutes=15)  # a day later it starts again at 15 minutes
    for _ in range(12):
        lock("emp_b")
    assert cool_off(RequestFactory().post(LOGIN, {"username": "emp_b"}, REMOTE_ADDR="203.0.113.7")) == MAX_COOL_OFF


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

    response = admin.post(reverse("access:lockout_clear"), {"username": "emp_a", "reason": ""}, follow=True)
    assert "Say why you unlock the account" in response.content.decode()
    assert AccessAttempt.objects.filter(username="emp_a").exists()  # no reason, nothing unlocked
    with caplog.at_level(logging.WARNING, logger="ims.access.lockout"):
        response = admin.post(
            reverse("access:lockout_clear"), {"username": "emp_a", "reason": "identity confirmed by phone"}
        )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="emp_a").exists()
    assert any(
        "emp_a" in r.getMessage() and "global_admin" in r.getMessage() and "identity confirmed" in r.getMessage()
        for r in caplog.records
    )
    assert 'data-lockout="emp_a"' not in admin.get(reverse("access:lockouts")).content.decode()

    client, response = attempt("emp_a", org.password)
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("principal", ["qm_a", "emp_a", "inspector_a"])
def test_only_global_person_administrators_unlock(org, client_for, principal):
    lock("emp_b")
    client = client_for(getattr(org, principal))
    assert client.get(reverse("access:lockouts")).status_code == 403
    assert client.post(reverse("access:lockout_clear"), {"username": "emp_b", "reason": "x"}).status_code == 403
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


def test_the_limit_and_cool_off_come_from_the_environment():
    probe = (
        "import json, ims.settings as s; print(json.dumps([s.AXES_FAILURE_LIMIT, s.IMS_LOCKOUT_COOLOFF_MINUTES * 60]))"
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
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [5, 900]
