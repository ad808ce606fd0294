"""The scale seed of CAPA: CAPAs over the scale sites in every state, with actions and checks; idempotent; the list
page and trends work on it for the Global Admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capa.models import Capa, CapaAction, EffectivenessCheck
from capa.scale import PER_SITE, scale_capa_seed
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Role

pytestmark = pytest.mark.django_db


def test_scale_seed_over_the_scale_sites_once(org, client_for):
    role = Role.objects.get(code=RoleCode.EMPLOYEE)
    for n in (1, 2):
        site = org_services.site_create(code=f"SC{n:03d}", name=f"Scale {n}", country="CH", timezone="UTC")
        person = org_services.person_create(username=f"sc_{n}", employee_id=f"SC-{n}", first_name="S", last_name="C")
        org_services.membership_create(person=person, site=site, function=org.qa, role=role)
    summary = scale_capa_seed("small", seed=1, log=lambda line: None)
    assert summary.startswith(f"{2 * PER_SITE['small']:,} CAPAs"), summary
    assert scale_capa_seed("small", seed=1, log=lambda line: None).endswith("nothing changed")
    capas = Capa.objects.filter(reference__startswith="SCA-")
    assert capas.count() == 2 * PER_SITE["small"]
    assert set(capas.values_list("state", flat=True)) >= {"open", "investigation", "implementation", "closed"}
    assert CapaAction.objects.count() >= 2 * capas.count()
    assert EffectivenessCheck.objects.filter(status="passed").exists()
    assert not capas.filter(opened_at__date__gte=capas.order_by("-opened_at").first().opened_at.date()).count() > 5
    client = client_for(org.admin)
    assert client.get(reverse("capa:capa_list")).status_code == 200
    trends = client.get(reverse("capa:trends")).content.decode()
    assert "SC001" in trends and "SC002" in trends
