"""Site annexes through the isolation kit: each site's people see their own annexes only; another site's is 404."""

from __future__ import annotations

import itertools

from django.utils import timezone

from ims.org.models import Person
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from manual import services
from manual.models import SiteAnnex

_numbers = itertools.count(1)


def annex_at(site) -> SiteAnnex:
    admin = Person.objects.get(username="global_admin")
    document = services.manual_create(
        actor=admin,
        number=f"IMS-MAN-{next(_numbers):04d}",
        title="Manual",
        owner=admin,
        sites=[site],
        effective_date=timezone.localdate(),
    )
    return services.annex_save(actor=admin, version=document.versions.get(), site=site, data={"local_scope": "Local"})


class TestSiteAnnexIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=SiteAnnex,
        create=annex_at,
        list_url="manual:annex_list",
        detail_url="manual:annex_detail",
        api="manual-annex",
        api_change=lambda annex: {"local_scope": "Changed scope"},
        export_key="id",
    )
