"""Security headers and cookies (COMPLIANCE.md §6 row 16; ASVS5-3.3.x, 3.4.x, 14.3.2).

Checked on an HTML page, an API response and the sign-in page; the pages must still work under the CSP.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ims.access.services import api_token_create

pytestmark = [pytest.mark.django_db]


def template_dirs():
    """The project's templates: the shared folder and each of our apps' own (installed packages excluded)."""
    from django.apps import apps

    dirs = [settings.BASE_DIR / "templates"]
    for config in apps.get_app_configs():
        path = settings.BASE_DIR.joinpath(config.path, "templates")
        if str(config.path).startswith(str(settings.BASE_DIR)) and ".venv" not in str(config.path) and path.is_dir():
            dirs.append(path)
    return dirs


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_common_headers(response) -> None:
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline or eval'd script
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.req("ASVS5-3.4.3", "ASVS5-3.4.4", "ASVS5-3.4.5", "ASVS5-3.4.6", "ASVS5-14.3.2")
def test_an_html_page_carries_the_headers(org, client_for):
    response = client_for(org.qm_a).get(reverse("web:dashboard"))
    assert response.status_code == 200
    assert_common_headers(response)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.req("ASVS5-3.4.3", "ASVS5-3.4.4", "ASVS5-14.3.2")
def test_an_api_response_carries_the_headers(org):
    _, raw = api_token_create(person=org.qm_a, name="sync", read_only=True)
    response = Client().get(reverse("person-list"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert_common_headers(response)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.req("ASVS5-3.4.3", "ASVS5-3.3.2", "ASVS5-3.3.4")
def test_the_login_page_carries_the_headers_and_safe_cookies(org):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert_common_headers(page)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"

    response = client.post(reverse("login"), {"username": "emp_a", "password": org.password})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/"
    assert not session["domain"]


@pytest.mark.req("ASVS5-3.3.1", "ASVS5-3.3.2", "ASVS5-3.4.1")
def test_production_cookies_are_host_prefixed_and_secure_and_hsts_is_sent(org, settings):
    """The production values (DJANGO_SECURE=1, asserted in tests/test_settings_guard.py), over HTTPS."""
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    page = client.get(reverse("login"), secure=True)
    hsts = page["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= 31536000 and "includeSubDomains" in hsts
    response = client.post(reverse("login"), {"username": "emp_a", "password": org.password}, secure=True)
    raw = SimpleCookie(response.cookies.output(header="", sep="\n"))
    session = raw["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/" and not session["domain"]
    assert page.cookies["__Host-csrftoken"]["secure"]


@pytest.mark.req("ASVS5-3.4.3")
def test_templates_have_no_inline_script_or_event_handlers():
    """script-src 'self' would block them; they must live in static files."""
    offenders = []
    for path in (p for folder in template_dirs() for p in folder.rglob("*.html")):
        text, name = path.read_text(), path.relative_to(settings.BASE_DIR)
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{name}: {tag}")
        for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{name}: {handler.strip()}")
        if "javascript:" in text:
            offenders.append(f"{name}: javascript: URL")
    assert not offenders, "\n".join(offenders)


@pytest.mark.req("ASVS5-3.4.3")
def test_the_api_documentation_runs_under_the_strict_policy(org, client_for):
    """Swagger UI's start-up script is served as a file (the split view), so no CSP exception is needed."""
    client = client_for(org.qm_a)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert_common_headers(page)
    body = page.content.decode()
    inline = [tag for tag in re.findall(r"<script\b[^>]*>", body) if "src=" not in tag]
    assert not inline
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "cdn" not in body.lower()
