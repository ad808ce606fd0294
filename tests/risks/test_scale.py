"""The register's scale seed (``RisksConfig.scale_seed``) and the pages over it: query counts stay flat."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.org.choices import RoleCode
from ims.testing.factories import MembershipFactory, SiteFactory, seeded_role
from manual.risks.models import ComplianceEvaluation, Control, Obligation, RiskEntry
from manual.risks.scale import scale_risks_seed

from .factories import process_at

pytestmark = pytest.mark.django_db


def scale_sites(count: int) -> list:
    sites = []
    for number in range(1, count + 1):
        site = SiteFactory(code=f"SC{number:02d}")
        MembershipFactory(site=site, role=seeded_role(RoleCode.QUALITY_MANAGER))
        process_at(site)
        sites.append(site)
    return sites


def test_scale_seed_small_once(org, client_for, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    scale_sites(3)
    summary = scale_risks_seed("small", log=lambda line: None)
    assert RiskEntry.objects.filter(reference__startswith="SCR-").count() == 3 * 40, summary
    assert Control.objects.count() == 3 * 40
    assert Obligation.objects.count() == 3 * 10 and ComplianceEvaluation.objects.count() == 3 * 10
    assert "nothing changed" in scale_risks_seed("small", log=lambda line: None)
    client = client_for(org.admin)
    for name in ("risks:entry_list", "risks:heatmap", "risks:top_risks", "risks:obligation_list"):
        assert client.get(reverse(name)).status_code == 200, name
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("risks:heatmap"))
    assert page.content.decode().count("<svg") >= 9
    assert len(queries) < 25
