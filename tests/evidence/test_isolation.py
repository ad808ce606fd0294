"""Site isolation of inspector grants, inspection requests and evidence packs (the kit).

Only the quality team of a site sees these; a role-based inspector sees none of them (an external inspector
reads their own inspection's, see ``tests/evidence/test_inspection_room.py``)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from evidence.models import EvidencePack, InspectionRequest
from evidence.services import pack_request
from evidence.services_requests import request_create
from ims.access.choices import Agency
from ims.access.inspection import grant_create
from ims.access.models import InspectorGrant
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from ims.reports.registry import section_choices
from ims.testing.factories import PersonFactory
from ims.testing.kit import SITE_READERS, ScopedModelCase
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests

_numbers = itertools.count(1)


def manager_at(site) -> Person:
    found = Person.objects.filter(
        memberships__site=site, memberships__role__code=RoleCode.QUALITY_MANAGER, is_active=True
    ).first()
    return found or PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)


def grant_at(site) -> InspectorGrant:
    n = next(_numbers)
    inspector = org_services.person_create(
        username=f"kit_inspector_{n}", employee_id=f"KIT-INSP-{n}", first_name="Kit", last_name=f"Inspector {n}",
        email=f"kit.inspector.{n}@authority.example",
    )  # fmt: skip
    now = timezone.now()
    return grant_create(
        actor=manager_at(site), inspector=inspector, sites=[site], sections=[section_choices()[0][0]],
        records_from=timezone.localdate() - datetime.timedelta(days=365), records_to=timezone.localdate(),
        valid_from=now - datetime.timedelta(minutes=1), valid_until=now + datetime.timedelta(days=5),
        agency=Agency.FDA, reference="Kit inspection",
    )  # fmt: skip


def request_at(site) -> InspectionRequest:
    grant = grant_at(site)
    return request_create(actor=grant.inspector, grant=grant, subject="CAPA log 2026")


def pack_at(site) -> EvidencePack:
    today = timezone.localdate()
    pack, _created = pack_request(
        actor=manager_at(site), sites=[site], period_start=today - datetime.timedelta(days=30 + next(_numbers)),
        period_end=today, sections=[section_choices()[0][0]],
    )  # fmt: skip
    return pack


def _never(row) -> bool:
    return False


#: The principals who see a site's inspections (``ims.org.roles.INSPECTION_HIDDEN`` hides them from the others).
QUALITY_TEAM = {"qm_a", "qm_b"}


class QualityTeamOnlyTests(ApiIsolationTests):
    """Employees and role-based inspectors see no inspection records, not even their own site's (404)."""

    def expected_rows(self, org, principal: str) -> set:
        if principal in SITE_READERS and principal not in QUALITY_TEAM:
            return set()
        return super().expected_rows(org, principal)

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", SITE_READERS)
    def test_other_sites_detail_is_not_found(self, world, client_for, principal):
        own, other = self.own_row(world, principal), self.other_row(world, principal)
        client = client_for(getattr(world.org, principal))
        seen = 200 if principal in QUALITY_TEAM else 404
        assert client.get(self.detail(own)).status_code == seen
        assert client.get(self.detail(other)).status_code == 404
        assert client.get(self.api_detail(own)).status_code == seen
        assert client.get(self.api_detail(other)).status_code == 404


class TestInspectorGrantIsolation(QualityTeamOnlyTests):
    case = ScopedModelCase(
        model=InspectorGrant, create=grant_at, list_url="", detail_url="access:grant_detail", api="evidence-grant",
        inspector_sees=_never,
    )  # fmt: skip


class TestInspectionRequestIsolation(QualityTeamOnlyTests):
    case = ScopedModelCase(
        model=InspectionRequest, create=request_at, list_url="", detail_url="evidence:request_detail",
        api="evidence-request", inspector_sees=_never,
    )  # fmt: skip


class TestEvidencePackIsolation(QualityTeamOnlyTests):
    case = ScopedModelCase(
        model=EvidencePack, create=pack_at, list_url="", detail_url="evidence:pack_detail", api="evidencepack",
        inspector_sees=_never,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _no_site_is_special(db):
    return None
