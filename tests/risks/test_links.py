"""No register page shows a link its reader cannot follow (the crawl of tests/web/test_links.py, for /risks/)."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

import pytest
from django.urls import reverse

from manual.risks.choices import EntryKind

from .factories import control_at, entry_at, evaluation_at

pytestmark = pytest.mark.django_db
HREF = re.compile(r'href="([^"#][^"]*)"')


@pytest.mark.parametrize("who", ["emp_a", "qm_a", "inspector_a", "admin"])
def test_every_register_link_opens(org, client_for, settings, who):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT)
    control_at(org.site_a)
    evaluation_at(org.site_a)
    client = client_for(getattr(org, who))
    queue = [reverse("risks:entry_list"), reverse("risks:obligation_list"), reverse("risks:evaluation_list"),
             reverse("risks:control_list"), reverse("risks:scoring_list")]  # fmt: skip
    seen, broken = set(), []
    while queue and len(seen) < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (403, 404) or response.status_code >= 500:
            broken.append((url, response.status_code))
            continue
        if response.status_code != 200 or response.streaming or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            path = urldefrag(urljoin(url, href.replace("&amp;", "&")))[0]
            if path.startswith("/risks/") and "export=" not in path and "download=" not in path:
                queue.append(path)
    assert not broken, broken
