"""The demo CAPAs: five at Basel, one in each stage, the closed one with both signatures; seeding twice changes
nothing."""

from __future__ import annotations

import pytest

from capa.demo import capa_demo_seed
from capa.models import Capa
from ims.esign.models import Signature
from ims.org.demo import demo_seed as org_demo_seed
from processes.library import standards_load

pytestmark = pytest.mark.django_db


def test_the_demo_capas_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    standards_load()
    summary = capa_demo_seed()
    assert summary.startswith("5 CAPAs at Basel"), summary
    assert capa_demo_seed() == "CAPAs unchanged"
    states = sorted(Capa.objects.filter(site__code="BSL").values_list("state", flat=True))
    assert states == sorted(["open", "investigation", "implementation", "effectiveness_check", "closed"])
    closed = Capa.objects.get(state="closed")
    meanings = set(
        Signature.objects.filter(content_type__app_label="capa", object_pk=str(closed.pk)).values_list(
            "meaning", flat=True
        )
    )
    assert meanings == {"approved", "verified"}
    assert closed.effectiveness_checks.get().status == "passed"
