"""No page shows a link its reader cannot follow: every link on every page, for every demo role, opens
(no 403, no 404, no server error). The crawl starts at the dashboard and follows same-origin links."""

from __future__ import annotations

import re
from collections import deque
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from ims.org.demo import DEMO_LOGINS
from ims.org.models import Person
from ims.testing.auth import second_factor_confirm

# Committed, short transactions (one per request, as in production): a crawl inside one long test transaction
# would hold back the audit trail's sealing horizon for the other test processes.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("ASVS5-8.2.1")]

#: Pages per role, and pages per URL shape (ids collapsed), so the crawl stays bounded.
MAX_PAGES = 120
PER_SHAPE = 2
SKIP = ("/accounts/logout/", "/admin/", "/static/", "/api/schema/")
HREF = re.compile(r'href="([^"#][^"]*)"')


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?", 1)[0]) + (
        "?" + re.sub(r"\d+", "N", path.split("?", 1)[1]) if "?" in path else ""
    )


def crawl(client: Client) -> tuple[list[tuple[str, int, str]], int]:
    """(broken links as (url, status, found on), pages opened)."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    broken, opened = [], 0
    while queue and opened < MAX_PAGES:
        url, source = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = _shape(url)
        if shapes.get(shape, 0) >= PER_SHAPE:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        opened += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            broken.append((url, response.status_code, source))
            continue
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or "text/html" not in content_type or response.streaming:
            continue
        for href in HREF.findall(response.content.decode("utf-8", "replace")):
            href = urldefrag(urljoin(url, href.replace("&amp;", "&")))[0]
            parts = urlsplit(href)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(SKIP) or path in seen:
                continue
            queue.append((path, url))
    return broken, opened


@pytest.mark.parametrize(("username", "role"), [(u, r) for u, r, _s in DEMO_LOGINS])
def test_every_link_on_every_page_opens_for_each_demo_role(transactional_db, username, role):
    call_command("seed_demo", "--no-logins", stdout=StringIO())
    person = Person.objects.get(username=username)
    client = Client()
    client.force_login(person)
    second_factor_confirm(client, person)
    broken, opened = crawl(client)
    assert opened >= 10, f"{role}: only {opened} pages reached"
    assert not broken, f"{role} ({username}) meets links that do not open:\n" + "\n".join(
        f"  {status} {url}  (on {source})" for url, status, source in broken
    )
