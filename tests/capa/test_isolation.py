"""Site isolation of CAPAs, their actions and effectiveness checks (the kit)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from capa import services
from capa.choices import ActionKind, CapaSource, CheckCriterion
from capa.models import Capa, CapaAction, EffectivenessCheck
from ims.org.choices import RoleCode
from ims.org.models import Person
from ims.testing.factories import PersonFactory
from ims.testing.kit import ScopedModelCase, SiteIsolationTests, snapshot, with_reason
from policies.services import objective_create
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests

TODAY = datetime.date(2026, 11, 2)
NO_PAGE = ""


def manager_at(site) -> Person:
    found = Person.objects.filter(
        memberships__site=site, memberships__role__code=RoleCode.QUALITY_MANAGER, is_active=True
    ).first()
    return found or PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)


def capa_at(site) -> Capa:
    manager = manager_at(site)
    return services.capa_create(
        actor=manager, site=site, title="Kit deviation", source=CapaSource.DEVIATION, owner=manager
    )


def action_at(site) -> CapaAction:
    capa = capa_at(site)
    return services.capa_action_add(
        actor=manager_at(site), capa=capa, kind=ActionKind.CORRECTION, title="Kit fix", owner=capa.owner,
        due_date=TODAY,
    )  # fmt: skip


def check_at(site) -> EffectivenessCheck:
    """A check is planned once a CAPA is in implementation: rows set up directly (the workflow has its tests)."""
    capa = capa_at(site)
    Capa._base_manager.filter(pk=capa.pk).update(state="implementation")
    manager = manager_at(site)
    objective = objective_create(
        actor=None, title="Kit KPI", kpi="Kit", owner=manager, site=site, due_date=datetime.date(2030, 1, 1), target=1,
    )  # fmt: skip
    return services.capa_effectiveness_plan(
        actor=manager, capa=capa, criterion=CheckCriterion.KPI, objective=objective, window_start=TODAY,
        due_date=TODAY,
    )  # fmt: skip


class TestCapaIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Capa,
        create=capa_at,
        list_url="capa:capa_list",
        detail_url="capa:capa_detail",
        api="capa",
        edit_url="capa:capa_edit",
        edit_data=lambda capa: {
            "kind": "capa",
            "title": "Changed title",
            "owner": capa.owner_id,
            "severity": "2",
            "occurrence": "2",
        },  # fmt: skip
        api_change=lambda capa: {"title": "Changed title"},
        add_url="capa:capa_add",
        add_data=lambda site: {
            "site": site.pk,
            "kind": "capa",
            "title": "Page CAPA",
            "source": "complaint",
            "owner": manager_at(site).pk,
        },  # fmt: skip
        api_create=lambda site: {
            "site": site.code,
            "title": "API CAPA",
            "source": "deviation",
            "owner": manager_at(site).pk,
        },  # fmt: skip
    )


class TestCapaActionIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=CapaAction,
        create=action_at,
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        api="capa-action",
        api_create=lambda site: {
            "capa": capa_at(site).pk,
            "kind": "corrective",
            "title": "API action",
            "owner": manager_at(site).pk,
            "due_date": "2026-12-01",
        },  # fmt: skip
    )

    def writes(self, row) -> list[str]:
        return [reverse("capa-action-complete", args=[row.pk])]

    def test_employee_cannot_deactivate(self, world, client_for):
        """Employees read their site's CAPA actions: their writes are refused (403) and change nothing."""
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        assert client.post(f"{self.api_detail(row)}deactivate/", with_reason({})).status_code == 403
        done = client.post(reverse("capa-action-complete", args=[row.pk]), {"evidence_note": "x"})
        assert done.status_code == 403
        assert snapshot(row) == before


class TestEffectivenessCheckIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=EffectivenessCheck, create=check_at, list_url=NO_PAGE, detail_url=NO_PAGE, api="capa-check"
    )

    def test_employee_cannot_deactivate(self, world, client_for):
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        assert client.post(f"{self.api_detail(row)}deactivate/", with_reason({})).status_code == 403
        assert snapshot(row) == before


@pytest.fixture(autouse=True)
def _no_site_is_special(db):
    return None
