"""Deny by default (P11-10d): every URL pattern refuses an anonymous visitor, except a reviewed allowlist.

The URL patterns come from the resolver, so a new page or endpoint is tested the day it is
added. Each top-level mount of ``ims/urls.py`` must be classified below (HTML pages, API,
admin, or public with a reason); a new mount that nobody classified fails the test.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10d")]

PAGE, API, ADMIN, PUBLIC = "page", "api", "admin", "public"

#: Every top-level mount of ims/urls.py (its route) → how an anonymous visitor must be answered.
MOUNTS: dict[str, str] = {
    "": PAGE,  # ims.web: dashboard
    "org/": PAGE,
    "esign/": PAGE,  # e-signature dialog, certification, register, locks
    "audit/": PAGE,  # the audit trail and its exports
    "documents/": PAGE,  # document control: register, versions, signing steps, files
    "api/v1/": API,
    "api/schema/": API,  # the OpenAPI schema is not public (ASVS5-13.4.5)
    "api/docs/": API,
    "admin/": ADMIN,  # the Django admin: to its own login page or the portal's
    "healthz": PUBLIC,
    "accounts/login/": PUBLIC,
    "accounts/logout/": PAGE,  # signing out needs a session
    "account/": PAGE,  # own security pages (second factor, password, sessions) and unlocking accounts
    "policies/": PAGE,  # objectives, readings, RACI, my tasks, acknowledgement coverage
    "inbox/": PAGE,  # the person's own notices
    "actions/": PAGE,  # tracked actions raised from gaps and findings
    "processes/": PAGE,  # the standards library (processes, maps and gap assessments to come)
    "training/": PAGE,  # courses, requirements, assignments, sessions, assessments, the matrix
    "audits/": PAGE,  # audit programmes, audits, checklists, findings, reports, calendar, trends
    "capa/": PAGE,  # CAPA records, their steps and signatures, evidence files, trends
    "evidence/": PAGE,  # evidence packs, the inspection room and its request board
    "framework/": PAGE,  # integrated procedures, the procedure × clause matrix, the monitoring plan
    "risks/": PAGE,  # the register of risks, aspects and hazards, obligations and their evaluations
    "manual/": PAGE,  # the IMS manual, its sections, annexes and outputs
    "implementation/": PAGE,  # rollout plans, readiness, the go-live gate, heat map and timeline
    "kpis/": PAGE,  # KPI definitions, readings, control charts, dashboards
    "feedback/": PAGE,  # employee feedback and its triage (the anonymous kiosk form is a reviewed exception)
    "reviews/": PAGE,  # management reviews, minutes and packs
}

#: Reviewed exceptions (URL name → reason). Anything else must refuse anonymous visitors.
PUBLIC_URLS: dict[str, str] = {
    "healthz": "load balancers and monitoring probe it; it answers states only, never versions or hosts",
    "login": "the sign-in page itself",
    "admin:login": "the admin's own sign-in page",
    "feedback:kiosk": (
        "a site's shop-floor kiosk form, reached by its QR code: anonymous reports only, 404 without the site's "
        "token, rate limited per site, opens no session"
    ),
}

#: Example values for path converters; any other converter gets an example built from its regex.
EXAMPLE_VALUES = {
    IntConverter: "1",
    StringConverter: "x",
    SlugConverter: "x",
    PathConverter: "1",
    UUIDConverter: str(uuid.UUID(int=1)),
}
#: Named regex groups whose value must come from a fixed set.
EXAMPLE_BY_NAME = {"format": "json"}


@dataclass(frozen=True)
class Endpoint:
    url: str
    name: str
    mount: str

    @property
    def kind(self) -> str:
        return PUBLIC if self.name in PUBLIC_URLS else MOUNTS[self.mount]

    def __str__(self) -> str:
        return f"{self.url} ({self.name})"


def _closing(regex: str, start: int, opening: str, closing: str) -> int:
    """The index just after the bracket that closes the one at ``start``."""
    depth, i = 0, start
    while True:
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        depth += (char == opening) - (char == closing)
        i += 1
        if depth == 0:
            return i


def _first_alternative(regex: str) -> str:
    i = 0
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if char in "([":
            i = _closing(regex, i, char, ")" if char == "(" else "]")
            continue
        if char == "|":
            return regex[:i]
        i += 1
    return regex


def regex_example(regex: str) -> str:
    """A path matching ``regex``, e.g. ``1/`` for ``^(?P<pk>[^/.]+)/$`` and ``auth/`` for ``^(?P<app>auth|org)/$``."""
    regex = _first_alternative(regex)
    out, i = [], 0
    while i < len(regex):
        char = regex[i]
        if char in "^$+*?":
            i += 1
        elif char == "{":
            i = regex.index("}", i) + 1
        elif char == "\\":
            out.append({"d": "1", "w": "x", "Z": "", "A": ""}.get(regex[i + 1], regex[i + 1]))
            i += 2
        elif char == "[":
            out.append("1")
            i = _closing(regex, i, "[", "]")
        elif char == "(":
            end = _closing(regex, i, "(", ")")
            inner = regex[i + 1 : end - 1]
            named = re.match(r"\?P<(\w+)>", inner)
            if named:
                out.append(EXAMPLE_BY_NAME.get(named[1]) or regex_example(inner[named.end() :]))
            else:
                out.append(regex_example(inner.removeprefix("?:")))
            i = end
        elif char == ".":
            out.append("x")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _example(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        for name, converter in pattern.converters.items():
            if type(converter) in EXAMPLE_VALUES:
                value = EXAMPLE_VALUES[type(converter)]
            elif name in EXAMPLE_BY_NAME:
                value = converter.to_url(EXAMPLE_BY_NAME[name])
            else:
                value = converter.to_url(converter.to_python(regex_example(converter.regex)))
            route = re.sub(rf"<(?:\w+:)?{name}>", value, route)
        return route
    if isinstance(pattern, RegexPattern):
        return regex_example(pattern._regex)
    raise TypeError(f"unknown URL pattern type {type(pattern).__name__}")


def endpoints(patterns=None, prefix: str = "", namespace: str = "", mount: str | None = None) -> list[Endpoint]:
    """Every leaf URL pattern, with an example URL, its name and the top-level mount it sits under."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = _example(entry.pattern)
        top = str(entry.pattern) if mount is None else mount
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += endpoints(entry.url_patterns, prefix + route, ns, top)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {prefix + route}>"
            found.append(Endpoint(url="/" + prefix + route, name=name, mount=top))
    return found


ENDPOINTS = endpoints()


def test_every_mount_is_classified():
    unclassified = sorted({e.mount for e in ENDPOINTS} - set(MOUNTS))
    assert not unclassified, f"classify these URL mounts in MOUNTS: {unclassified}"
    assert not set(MOUNTS) - {e.mount for e in ENDPOINTS}, "MOUNTS names a mount that no longer exists"


def test_allowlist_is_current():
    names = {e.name for e in ENDPOINTS}
    assert set(PUBLIC_URLS) <= names, f"stale allowlist entries: {sorted(set(PUBLIC_URLS) - names)}"


def test_example_urls_resolve_to_their_pattern():
    wrong = [str(e) for e in ENDPOINTS if not e.name.startswith("<") and _resolved_name(e.url) != e.name]
    assert not wrong, f"cannot build an example URL for: {wrong}"


def _resolved_name(url: str) -> str | None:
    try:
        match = resolve(url)
    except Exception:  # noqa: BLE001 - reported by the assertion
        return None
    return match.view_name


def test_enumeration_sees_the_whole_portal():
    """Guards the enumeration itself: pages, API endpoints and the admin are all found."""
    kinds = {e.kind for e in ENDPOINTS}
    assert {PAGE, API, ADMIN, PUBLIC} <= kinds
    names = {e.name for e in ENDPOINTS}
    assert {"web:dashboard", "org:person_list", "org:person_edit", "person-list", "person-detail"} <= names


def _refusal(endpoint: Endpoint, method: str, response) -> str | None:
    """Why ``response`` is not a refusal of an anonymous visitor (``None`` when it is)."""
    status = response.status_code
    if endpoint.kind == API:
        return None if status in (401, 403) else f"{method} → {status}, expected 401/403"
    logins = [resolve_url(settings.LOGIN_URL)]
    if endpoint.kind == ADMIN:
        logins.append(resolve_url("admin:login"))
    if status != 302 or not response["Location"].startswith(tuple(logins)):
        return f"{method} → {status} {response.get('Location', '')}, expected a redirect to {' or '.join(logins)}"
    return None


def test_anonymous_visitors_are_refused_everywhere_but_the_allowlist():
    client = Client()
    problems = []
    protected = [e for e in ENDPOINTS if e.kind != PUBLIC]
    for endpoint in protected:
        for method in ("get", "post"):
            response = getattr(client, method)(endpoint.url)
            if (problem := _refusal(endpoint, method.upper(), response)) is not None:
                problems.append(f"{endpoint}: {problem}")
    assert len(protected) > 20
    assert not problems, "unprotected endpoints:\n" + "\n".join(problems)


def test_api_refuses_anonymous_writes_of_every_method():
    client = Client()
    problems = []
    for endpoint in (e for e in ENDPOINTS if e.kind == API):
        for method in ("put", "patch", "delete"):
            status = getattr(client, method)(endpoint.url, {}, content_type="application/json").status_code
            if status not in (401, 403, 405):
                problems.append(f"{endpoint}: {method.upper()} → {status}")
    assert not problems, "\n".join(problems)


def test_the_allowlisted_urls_answer_anonymous_visitors():
    client = Client()
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get(resolve_url(settings.LOGIN_URL)).status_code == 200
    assert client.get(resolve_url("admin:login")).status_code == 200


def test_static_files_are_public_and_uploaded_files_are_not():
    """Static assets (CSS, JS, fonts) are served by WhiteNoise to everyone; uploads never by a bare URL."""
    response = Client().get(f"{settings.STATIC_URL}css/ims.css")
    assert response.status_code == 200
    assert not [str(e) for e in ENDPOINTS if e.url.startswith((settings.STATIC_URL, settings.MEDIA_URL))]
    assert Client().get(f"{settings.MEDIA_URL}anything.pdf").status_code in (302, 404)
