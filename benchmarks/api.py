"""The scoped API list over HTTP next to its floors (``python -m benchmarks api``).

``GET /api/v1/training/assignments/?page_size=100`` served by gunicorn with one worker (the benchmark settings add
two lists over the same rows: ``/bench/bare/assignments/``, plain DRF with a model serializer of the row's own
columns, and ``/bench/unscoped/assignments/``, the product's serializer and queryset without ``restrict()``), for
three scopes: the quality manager of the largest site (one site), a quality manager of every site through 40
memberships, and the Global Admin. Bearer tokens for all; cases interleaved round-robin; 5 warm-up rounds, then 50
measured; p50 / p95 in ms. Targets: scoped ≤ 2.5× bare and ≤ 1.2× unscoped at every scope.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.db import transaction

WARM_UP_ROUNDS = 5
ROUNDS = 50
PAGE_SIZE = 100
TARGET_BARE = 2.5
TARGET_UNSCOPED = 1.2
ALL_SITES_USERNAME = "bench.allsites"
SCOPED_URL = "/api/v1/training/assignments/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _all_sites_manager():
    """A quality manager at every active site through one membership each (created once, kept)."""
    from ims.access.sync import person_permissions_sync
    from ims.org import services
    from ims.org.choices import RoleCode
    from ims.org.models import Function, Person, Role, Site

    person = Person.objects.filter(username=ALL_SITES_USERNAME).first()
    if person is None:
        with transaction.atomic():
            person = services.person_create(
                username=ALL_SITES_USERNAME, employee_id="BENCH-ALL", first_name="Every", last_name="Site"
            )
            role = Role.objects.get(code=RoleCode.QUALITY_MANAGER)
            function = Function.objects.filter(is_active=True).order_by("pk").first()
            for site in Site.objects.filter(is_active=True):
                services.membership_create(person=person, site=site, function=function, role=role)
            person_permissions_sync(person_ids=[person.pk])
    return person


def _principals() -> list[tuple[str, object, list[int] | None]]:
    from benchmarks.web import principals
    from ims.access.permissions import site_ids_with_permission

    named = dict(principals())
    quality_manager = next(p for label, p in named.items() if label.startswith("quality manager"))
    every_site = _all_sites_manager()
    result = []
    for label, person in (
        ("one site (QM of the largest)", quality_manager),
        ("40 sites via memberships", every_site),
        ("Global Admin", named["global admin"]),
    ):
        if label == "Global Admin":
            sites = None
        else:
            sites = sorted(row["pk"] for row in site_ids_with_permission(person, "training", "view_assignment"))
        result.append((label, person, sites))
    return result


def _server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "API_THROTTLE_USER": "100000000/hour",
    }
    command = [
        sys.executable, "-m", "gunicorn", "benchmarks.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "1", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the benchmark server did not start")


def run_api(say) -> list[dict]:
    from ims.access.services import api_token_create

    principals = _principals()
    tokens = {}
    for label, person, _sites in principals:
        _token, raw = api_token_create(person=person, name="benchmark", days=1, read_only=True)
        tokens[label] = raw
    cases = []
    for label, _person, sites in principals:
        literal = f"&sites={','.join(map(str, sites))}" if sites else ""
        cases.append((label, "scoped", f"{SCOPED_URL}?page_size={PAGE_SIZE}"))
        cases.append((label, "unscoped", f"/bench/unscoped/assignments/?page_size={PAGE_SIZE}{literal}"))
        cases.append((label, "bare", f"/bench/bare/assignments/?page_size={PAGE_SIZE}{literal}"))
    port = _free_port()
    server = _server(port)
    samples: dict[tuple[str, str], list[float]] = {(label, kind): [] for label, kind, _url in cases}
    answers: dict[tuple[str, str], dict] = {}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for round_number in range(WARM_UP_ROUNDS + ROUNDS):
            for label, kind, url in cases:
                started = time.perf_counter()
                connection.request("GET", url, headers={"Authorization": f"Bearer {tokens[label]}"})
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    raise RuntimeError(f"{url} as {label}: HTTP {response.status} {body[:200]!r}")
                if round_number >= WARM_UP_ROUNDS:
                    samples[(label, kind)].append(elapsed)
                elif round_number == 0:
                    page = json.loads(body)
                    answers[(label, kind)] = {"count": page["count"], "ids": [row["id"] for row in page["results"]]}
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    say(f"API list over HTTP ({SCOPED_URL}?page_size={PAGE_SIZE}; gunicorn, one worker; {WARM_UP_ROUNDS} warm-up "
        f"rounds, {ROUNDS} measured, cases round-robin; p50 / p95 ms)")  # fmt: skip
    results = []
    for label, _person, _sites in principals:
        figures = {kind: samples[(label, kind)] for kind in ("scoped", "unscoped", "bare")}
        p50 = {kind: statistics.median(values) for kind, values in figures.items()}
        p95 = {kind: statistics.quantiles(values, n=100, method="inclusive")[94] for kind, values in figures.items()}
        same = answers[(label, "scoped")] == answers[(label, "unscoped")] == answers[(label, "bare")]
        ratio_bare, ratio_unscoped = p50["scoped"] / p50["bare"], p50["scoped"] / p50["unscoped"]
        ok = ratio_bare <= TARGET_BARE and ratio_unscoped <= TARGET_UNSCOPED and same
        say(f"  {label}: {answers[(label, 'scoped')]['count']:,} rows{'' if same else ' — ROWS DIFFER'}")
        for kind in ("scoped", "unscoped", "bare"):
            say(f"    {kind:<9} {p50[kind]:7.1f} / {p95[kind]:7.1f} ms")
        say(f"    scoped ÷ bare {ratio_bare:.2f}× (target ≤ {TARGET_BARE}×), scoped ÷ unscoped {ratio_unscoped:.2f}× "
            f"(target ≤ {TARGET_UNSCOPED}×): {'ok' if ok else 'OVER TARGET'}")  # fmt: skip
        results.append({"label": label, "p50": p50, "p95": p95, "same": same, "ok": ok})
    say()
    return results
