"""Security-relevant settings that must not drift (a change here needs a reviewed reason)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import get_default_password_validators
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from ims.celery import app as celery_app


def drf(name: str):
    return settings.REST_FRAMEWORK.get(name)


@pytest.mark.req("P11-10d")
def test_api_denies_by_default():
    classes = drf("DEFAULT_PERMISSION_CLASSES")
    assert classes, "DRF's own default is AllowAny"
    assert "rest_framework.permissions.AllowAny" not in classes
    assert all(import_string(path) for path in classes)


@pytest.mark.req("ASVS5-6.3.1")
def test_api_never_takes_passwords_in_requests():
    assert "rest_framework.authentication.BasicAuthentication" not in drf("DEFAULT_AUTHENTICATION_CLASSES")
    assert "rest_framework.authentication.SessionAuthentication" in drf("DEFAULT_AUTHENTICATION_CLASSES")


@pytest.mark.req("ASVS5-2.4.1")
def test_api_is_throttled():
    classes = drf("DEFAULT_THROTTLE_CLASSES")
    rates = drf("DEFAULT_THROTTLE_RATES")
    assert classes
    for path in classes:
        scope = import_string(path).scope
        assert rates.get(scope), f"no rate for the {scope!r} throttle"
        count, period = rates[scope].split("/")
        assert int(count) > 0 and period in {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


@pytest.mark.req("ASVS5-2.4.1")
def test_api_pages_hold_at_most_100_items():
    assert drf("PAGE_SIZE") <= 100
    pagination = import_string(drf("DEFAULT_PAGINATION_CLASS"))
    assert pagination.max_page_size is not None and pagination.max_page_size <= 100
    assert (pagination.page_size or api_settings.PAGE_SIZE) <= 100


@pytest.mark.req("ASVS5-7.3.1", "ASVS5-7.3.2")
def test_sessions_live_in_the_database_and_expire_after_30_idle_minutes():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"  # a Redis outage keeps people signed in
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # the age counts from the last request: an idle timeout
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.req("ASVS5-6.2.1", "ASVS5-6.2.4")
def test_password_rules():
    validators = {type(v).__name__: v for v in get_default_password_validators()}
    assert validators["MinimumLengthValidator"].min_length >= 12
    assert "CommonPasswordValidator" in validators


@pytest.mark.req("ASVS5-11.4.2")
def test_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.req("P11-10d")
def test_every_page_needs_a_login_by_default():
    middleware = settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in middleware
    assert middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


@pytest.mark.req("A11-16")
def test_database_connections_are_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.req("A11-16")
def test_celery_does_not_lose_tasks_when_a_worker_dies():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


@pytest.mark.req("ASVS5-13.4.2", "ASVS5-3.4.1")
def test_production_switches():
    """DEBUG is off unless asked for, and DJANGO_SECURE=1 turns on HTTPS-only cookies and HSTS (fresh process)."""
    probe = (
        "import json, ims.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'X_FRAME_OPTIONS')}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env.update(DJANGO_SECURE="1", DJANGO_SECRET_KEY="x" * 60)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    production = json.loads(result.stdout.strip().splitlines()[-1])
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"]
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["X_FRAME_OPTIONS"] == "DENY"
