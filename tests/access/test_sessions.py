"""Sessions (COMPLIANCE.md §6 row 18): key rotation, logout, idle and absolute expiry, deactivation,
password change, and a person seeing and ending their own sessions (ASVS5-7.2–7.5)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.access.choices import SessionEndReason
from ims.access.models import UserSession
from ims.access.sessions import LOGIN_AT, SEEN_AT
from ims.org.models import Person

pytestmark = [pytest.mark.django_db]

DASHBOARD = reverse("web:dashboard")
NEW_PASSWORD = "Window-Garden-Lantern-58"


def sign_in(person, password, **extra) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": person.username, "password": password}, **extra)
    assert response.status_code == 302
    return client


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def shift_session(client: Client, **ago: float) -> None:
    session = client.session
    for key, seconds in ago.items():
        session[key] = time.time() - seconds
    session.save()


@pytest.mark.req("ASVS5-7.2.4")
def test_signing_in_gives_a_new_session_key(org):
    client = Client()
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.post(reverse("login"), {"username": "emp_a", "password": org.password})
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


@pytest.mark.req("ASVS5-7.4.1")
def test_the_old_cookie_is_worthless_after_logout(org, client_for):
    client = client_for(org.emp_a)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert sent_to_login(replay.get(DASHBOARD))
    assert UserSession.objects.get(session_key=cookie).end_reason == SessionEndReason.LOGOUT


@pytest.mark.req("ASVS5-7.3.1")
def test_an_idle_session_expires(org, client_for):
    client = client_for(org.emp_a)
    assert client.get(DASHBOARD).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert sent_to_login(client.get(DASHBOARD))


@pytest.mark.req("ASVS5-7.3.1")
def test_activity_restarts_the_idle_clock_with_one_session_write_a_minute(org, client_for):
    """The idle limit counts from the last activity (to the minute); pages in between write no session row."""
    client = client_for(org.emp_a)
    key = client.session.session_key
    client.get(DASHBOARD)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200  # touched a moment ago: nothing written
    assert not [q for q in queries.captured_queries if 'UPDATE "django_session"' in q["sql"]]
    assert Session.objects.get(session_key=key).expire_date < timezone.now() + timedelta(minutes=6)
    shift_session(client, **{SEEN_AT: 61})
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get(DASHBOARD).status_code == 200  # active a minute later: 30 idle minutes from now
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(seconds=settings.SESSION_COOKIE_AGE)


@pytest.mark.req("ASVS5-7.3.1", "ASVS5-7.3.2", "ASVS4-3.3.2")
def test_an_active_session_ends_12_hours_after_sign_in(org, client_for):
    limit = settings.IMS_SESSION_ABSOLUTE_SECONDS
    assert limit == 12 * 60 * 60
    client = client_for(org.emp_a)
    key = client.session.session_key
    shift_session(client, **{LOGIN_AT: limit - 60})
    assert client.get(DASHBOARD).status_code == 200  # 11 h 59 min: still open
    shift_session(client, **{LOGIN_AT: limit + 60})
    response = client.get(DASHBOARD)
    assert sent_to_login(response)
    assert not Session.objects.filter(session_key=key).exists()
    assert UserSession.objects.get(session_key=key).end_reason == SessionEndReason.ABSOLUTE_TIMEOUT
    login_page = client.get(response["Location"])
    assert "maximum length" in login_page.content.decode()


@pytest.mark.req("ASVS5-7.3.2")
def test_the_absolute_limit_is_a_setting(org, client_for, settings):
    settings.IMS_SESSION_ABSOLUTE_SECONDS = 60
    client = client_for(org.emp_a)
    shift_session(client, **{LOGIN_AT: 61})
    assert sent_to_login(client.get(DASHBOARD))
    api = client_for(org.emp_a)
    shift_session(api, **{LOGIN_AT: 61})
    assert api.get(reverse("person-list")).status_code == 401


@pytest.mark.req("ASVS5-7.4.2")
def test_a_deactivated_person_is_refused_on_the_next_request(org, client_for):
    client = client_for(org.emp_a)
    assert client.get(DASHBOARD).status_code == 200
    Person.objects.filter(pk=org.emp_a.pk).update(is_active=False)
    assert sent_to_login(client.get(DASHBOARD))
    assert client.get(reverse("person-list")).status_code in (401, 403)


@pytest.mark.req("ASVS5-7.4.3", "ASVS5-6.2.1")
def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(org):
    here = sign_in(org.emp_a, org.password)
    there = sign_in(org.emp_a, org.password)
    there_key = there.session.session_key
    response = here.post(
        reverse("access:password_change"),
        {"old_password": org.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get(DASHBOARD).status_code == 200
    assert sent_to_login(there.get(DASHBOARD))
    assert not Session.objects.filter(session_key=there_key).exists()
    assert UserSession.objects.get(session_key=there_key).end_reason == SessionEndReason.PASSWORD_CHANGE
    assert UserSession.objects.open().filter(person=org.emp_a).count() == 1
    assert Person.objects.get(pk=org.emp_a.pk).check_password(NEW_PASSWORD)


@pytest.mark.req("ASVS5-6.2.1", "ASVS5-6.2.4", "ASVS5-6.2.9")
@pytest.mark.parametrize(
    ("new", "accepted"),
    [
        ("Short-pw-11", False),
        ("password123", False),
        ("Lantern-" * 8, False),  # long, but a repeated word is guessed at once
        ("Lantern-Harbour-Violet-Quartz-Meadow-Falcon-Copper-Ribbon-Thistle", True),  # 64+ characters allowed
    ],
)
def test_the_password_rules_apply_on_the_password_page(org, client_for, new, accepted):
    client = client_for(org.emp_a)
    response = client.post(
        reverse("access:password_change"), {"old_password": org.password, "new_password1": new, "new_password2": new}
    )
    assert (response.status_code == 302) is accepted
    assert Person.objects.get(pk=org.emp_a.pk).check_password(new) is accepted


@pytest.mark.req("ASVS5-7.5.2")
def test_a_sign_in_is_recorded_with_address_and_browser(org):
    client = sign_in(org.emp_a, org.password, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox/140")
    record = UserSession.objects.get(session_key=client.session.session_key)
    assert record.person == org.emp_a and record.ip == "192.0.2.10" and record.user_agent == "Firefox/140"
    assert record.ended_at is None


@pytest.mark.req("ASVS5-7.5.2")
def test_last_seen_is_written_at_most_once_a_minute(org, client_for):
    client = client_for(org.emp_a)
    record = UserSession.objects.get(session_key=client.session.session_key)
    UserSession.objects.filter(pk=record.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
    client.get(DASHBOARD)
    record.refresh_from_db()
    assert timezone.now() - record.last_seen_at > timedelta(minutes=59)  # touched less than a minute ago
    shift_session(client, **{SEEN_AT: 61})
    client.get(DASHBOARD)
    record.refresh_from_db()
    assert timezone.now() - record.last_seen_at < timedelta(minutes=1)


@pytest.mark.req("ASVS5-7.5.2", "ASVS5-7.4.5")
def test_a_person_sees_and_ends_their_own_sessions(org, client_for):
    here = client_for(org.emp_a)
    laptop = client_for(org.emp_a)
    phone = client_for(org.emp_a)
    foreign = client_for(org.emp_b)
    page = here.get(reverse("access:sessions"))
    body = page.content.decode()
    own = UserSession.objects.filter(person=org.emp_a)
    assert body.count("data-session=") == 3
    assert body.count("data-current-session") == 1
    assert f'data-session="{UserSession.objects.get(person=org.emp_b).pk}"' not in body

    laptop_record = own.get(session_key=laptop.session.session_key)
    assert here.post(reverse("access:session_end", args=[laptop_record.pk])).status_code == 302
    assert sent_to_login(laptop.get(DASHBOARD))
    assert phone.get(DASHBOARD).status_code == 200

    foreign_record = UserSession.objects.get(person=org.emp_b)
    assert here.post(reverse("access:session_end", args=[foreign_record.pk])).status_code == 404
    assert foreign.get(DASHBOARD).status_code == 200

    assert here.post(reverse("access:session_end_others")).status_code == 302
    assert sent_to_login(phone.get(DASHBOARD))
    assert here.get(DASHBOARD).status_code == 200
    assert UserSession.objects.open().filter(person=org.emp_a).count() == 1


def test_ending_the_current_session_signs_out(org, client_for):
    client = client_for(org.emp_a)
    record = UserSession.objects.get(session_key=client.session.session_key)
    assert client.post(reverse("access:session_end", args=[record.pk])).status_code == 302
    assert sent_to_login(client.get(DASHBOARD))


def test_the_sessions_page_costs_the_same_queries_for_many_sessions(org, client_for):
    client = client_for(org.qm_a)
    client.get(reverse("access:sessions"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("access:sessions"))
    for _ in range(6):
        client_for(org.qm_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("access:sessions"))
    assert response.content.decode().count("data-session=") == 7
    assert len(many) == len(few)


@pytest.mark.req("ASVS5-7.4.3")
def test_signing_in_anew_keeps_the_other_sessions_listed(org):
    """Sessions survive another sign-in (only the password change and the person end them)."""
    first = sign_in(org.emp_a, org.password)
    sign_in(org.emp_a, org.password)
    assert first.get(DASHBOARD).status_code == 200
    assert UserSession.objects.open().filter(person=org.emp_a).count() == 2


def test_the_profile_links_to_the_security_pages(org, client_for):
    body = client_for(org.admin).get(reverse("web:profile")).content.decode()
    for name in ("access:password_change", "access:sessions", "access:lockouts"):
        assert f'href="{reverse(name)}"' in body
    body = client_for(org.qm_a).get(reverse("web:profile")).content.decode()
    assert f'href="{reverse("access:sessions")}"' in body
    assert f'href="{reverse("access:lockouts")}"' not in body
