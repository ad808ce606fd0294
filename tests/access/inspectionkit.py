"""Helpers of the inspection tests: two evidence sections of our own, an external inspector, a grant."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ims.access.choices import Agency
from ims.access.inspection import grant_create
from ims.access.models import InspectorGrant
from ims.org import services as org_services
from ims.reports import registry
from ims.reports.registry import EvidenceSection

T_CAPA = "t_capa"
T_ACTIONS = "t_actions"
REFERENCE = "FDA pre-approval inspection"


def _no_parts(scope):
    return []


def _no_render(scope, key):
    raise NotImplementedError


@pytest.fixture
def evidence_sections():
    """The registry holds only these two sections during the test (the apps' own sections are put back after):
    CAPAs (their list page, placed in a period by when they were opened) and CAPA actions (the trends page)."""
    saved = dict(registry._sections)
    registry._sections.clear()
    registry.register_section(EvidenceSection(
        code=T_CAPA, title="CAPA log", order=1, models=("capa.capa",), parts=_no_parts, render=_no_render,
        pages=(("CAPA", "capa:capa_list"),), period_lookups={"capa.capa": "opened_at"},
    ))  # fmt: skip
    registry.register_section(EvidenceSection(
        code=T_ACTIONS, title="CAPA actions", order=2, models=("capa.capaaction",), parts=_no_parts,
        render=_no_render, pages=(("CAPA trends", "capa:trends"),), period_lookups={"capa.capaaction": "due_date"},
    ))  # fmt: skip
    yield
    registry._sections.clear()
    registry._sections.update(saved)


def external_inspector(org, username: str = "fiona_drake"):
    """A person from outside the company with no roles yet (a grant makes them an external inspector)."""
    return org_services.person_create(
        username=username, employee_id=username.upper(), first_name="Fiona", last_name="Drake",
        email=f"{username}@fda.example",
    )  # fmt: skip


def grant_for(org, inspector, *, sections=(T_CAPA,), sites=None, days: int = 5, actor=None, **extra) -> InspectorGrant:
    """An active grant (unsigned: the trusted channel) of the last two years' records."""
    now = timezone.now()
    today = timezone.localdate()
    return grant_create(
        actor=actor or org.qm_a, inspector=inspector, sites=sites or [org.site_a], sections=list(sections),
        records_from=extra.pop("records_from", today - datetime.timedelta(days=730)),
        records_to=extra.pop("records_to", today),
        valid_from=extra.pop("valid_from", now - datetime.timedelta(minutes=1)),
        valid_until=extra.pop("valid_until", now + datetime.timedelta(days=days)),
        agency=extra.pop("agency", Agency.FDA), reference=extra.pop("reference", REFERENCE),
    )  # fmt: skip


def expire(grant: InspectorGrant) -> None:
    """The access ran out an hour ago."""
    now = timezone.now()
    InspectorGrant.objects.filter(pk=grant.pk).update(
        valid_from=now - datetime.timedelta(days=5), valid_until=now - datetime.timedelta(hours=1)
    )
