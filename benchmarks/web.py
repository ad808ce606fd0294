"""Response times of the people page and the people API, scoped, next to a bare unscoped DRF list."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.utils import timezone

from ims.org.choices import RoleCode
from ims.org.models import Person, Site
from ims.testing.auth import signed_in_client

REQUESTS = 50
WARM_UP = 3
BARE_URL = "/bench/bare/people/"


@dataclass
class Timing:
    label: str
    url: str
    p50_ms: float
    p95_ms: float
    queries: int
    status: int
    rows: str = ""


def largest_site() -> Site:
    today = timezone.localdate()
    current = Q(memberships__valid_from__lte=today) & (
        Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gte=today)
    )
    return Site.objects.annotate(people=Count("memberships", filter=current)).order_by("-people", "code").first()


def principals() -> list[tuple[str, Person]]:
    site = largest_site()
    quality_manager = (
        Person.objects.filter(
            is_active=True,
            memberships__site=site,
            memberships__role__code=RoleCode.QUALITY_MANAGER,
            memberships__valid_to__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    admin = (
        Person.objects.filter(
            is_active=True, memberships__role__code=RoleCode.GLOBAL_ADMIN, memberships__valid_to__isnull=True
        )
        .order_by("pk")
        .first()
    )
    return [(f"quality manager of {site.code}", quality_manager), ("global admin", admin)]


def measure(client: Client, label: str, url: str) -> Timing:
    for _ in range(WARM_UP):
        response = client.get(url)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    rows = ""
    if response.get("Content-Type", "").startswith("application/json"):
        rows = str(response.json().get("count", ""))
    return Timing(label, url, statistics.median(samples), cuts[94], len(executed), response.status_code, rows)


@override_settings(ROOT_URLCONF="benchmarks.urls")
def run_web() -> list[tuple[Timing, Timing]]:
    """Pairs of (measured endpoint, bare baseline) for each principal."""
    pairs = []
    for who, person in principals():
        if person is None:
            continue
        client = signed_in_client(person)
        baseline = measure(client, f"bare DRF list (no scoping) as {who}", BARE_URL)
        for name, url in (
            ("people page /org/people/", "/org/people/"),
            ("people API /api/v1/people/", "/api/v1/people/"),
        ):
            pairs.append((measure(client, f"{name} as {who}", url), baseline))
    return pairs
