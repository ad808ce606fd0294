"""The audits scale seed: audits planned by the programme task, findings set based, idempotent."""

from __future__ import annotations

import pytest

from audits import scale
from audits.models import Audit, Finding
from ims.testing.factories import SiteFactory
from processes.models import Clause, Standard

pytestmark = pytest.mark.django_db


def test_scale_seed_small(org, monkeypatch):
    standard = Standard.objects.create(code="ISO 9001", edition="2015", title="QMS", kind="iso")
    for n in range(1, 6):
        Clause.objects.create(standard=standard, number=str(n), title=f"Clause {n}", position=n)
    sites = [SiteFactory(code=f"SC{n:02d}") for n in range(1, 4)]
    monkeypatch.setitem(scale.FINDINGS, "small", 600)
    message = scale.audits_scale_seed("small", log=lambda text: None)
    assert "findings" in message
    assert Audit.objects.count() == len(sites) * 4 * scale.YEARS
    assert Finding.objects.count() == 600
    assert set(Finding.objects.values_list("grade", flat=True)) == {"major", "minor", "observation", "opportunity"}
    assert "nothing changed" in scale.audits_scale_seed("small", log=lambda text: None)
    assert Finding.objects.count() == 600
