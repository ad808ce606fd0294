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
    # The age counts from the last activity (to the minute, tests/access/test_sessions.py): an idle timeout.
    assert "SessionLifetimeMiddleware" in " ".join(settings.MIDDLEWARE)
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


@pytest.mark.req("ASVS5-7.3.1", "ASVS5-7.3.2", "ASVS5-6.4.3")
def test_sessions_end_after_12_hours_whatever_the_activity_and_reset_links_after_1_hour():
    """COMPLIANCE.md §6 row 17: idle 30 min (above), absolute 12 h, password-reset token ≤ 1 h."""
    assert settings.IMS_SESSION_ABSOLUTE_SECONDS <= 12 * 60 * 60
    assert settings.PASSWORD_RESET_TIMEOUT <= 3600
    middleware = settings.MIDDLEWARE
    lifetime = middleware.index("ims.access.middleware.SessionLifetimeMiddleware")
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < lifetime
    assert middleware.index("django.contrib.messages.middleware.MessageMiddleware") < lifetime


@pytest.mark.req("ASVS5-6.3.1", "ASVS4-2.2.1", "ASVS5-4.1.3")
def test_failed_sign_ins_lock_the_account():
    assert "axes" in settings.INSTALLED_APPS
    assert settings.AUTHENTICATION_BACKENDS[0] == "ims.access.lockout.LockoutBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_ENABLED is True
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"  # survives a Redis outage
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]  # a stranger cannot lock you out
    assert 1 <= settings.AXES_FAILURE_LIMIT <= 100
    # At most 100 failures per hour per account and address (the cool-off only grows from its base).
    per_hour = settings.AXES_FAILURE_LIMIT * max(1, 60 / settings.IMS_LOCKOUT_COOLOFF_MINUTES)
    assert per_hour <= 100
    assert settings.IMS_TRUSTED_PROXY_COUNT == 0  # X-Forwarded-For is ignored unless DJANGO_BEHIND_PROXY


@pytest.mark.req("ASVS5-6.3.3", "ASVS5-6.5.1")
def test_the_second_factor_is_enforced():
    for app in ("django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"):
        assert app in settings.INSTALLED_APPS
    middleware = settings.MIDDLEWARE
    gate = middleware.index("ims.access.middleware.SecondFactorRequiredMiddleware")
    assert middleware.index("django_otp.middleware.OTPMiddleware") < gate
    assert middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware") < gate
    assert settings.OTP_TOTP_THROTTLE_FACTOR > 0


@pytest.mark.req("ASVS5-3.4.3", "ASVS5-3.4.6")
def test_content_security_policy():
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert not any("*" in value or "http:" in value for values in directives.values() for value in values)


@pytest.mark.req("ASVS5-3.3.1", "ASVS5-3.3.2", "ASVS5-3.3.4", "ASVS5-3.4.1")
def test_production_cookies_and_headers():
    """DJANGO_SECURE=1 (fresh process): __Host- cookies, HTTPS-only, HSTS a year with subdomains."""
    probe = (
        "import json, ims.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'SECURE_REFERRER_POLICY', "
        "'SECURE_CONTENT_TYPE_NOSNIFF')}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env.update(DJANGO_SECURE="1", DJANGO_SECRET_KEY="x" * 60)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    production = json.loads(result.stdout.strip().splitlines()[-1])
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
