"""Helpers of the CAPA tests: a CAPA at a site, moved along its workflow, signers certified."""

from __future__ import annotations

import datetime

from capa import services
from capa.choices import ActionKind, CapaSource
from ims.esign import services as esign_services

TODAY = datetime.date(2026, 11, 2)


def certify(org, *people) -> None:
    for person in people:
        if esign_services.certification_current(person) is not None:
            continue
        esign_services.certification_create(person=person, password=org.password, username=person.username, session={})


def capa_at(org, *, site=None, owner=None, actor=None, **extra):
    site = site or org.site_a
    return services.capa_create(
        actor=actor or (org.qm_a if site == org.site_a else org.qm_b),
        site=site,
        title=extra.pop("title", "Temperature excursion in cold room 2"),
        source=extra.pop("source", CapaSource.DEVIATION),
        owner=owner or (org.emp_a if site == org.site_a else org.emp_b),
        severity=extra.pop("severity", 4),
        occurrence=extra.pop("occurrence", 3),
        **extra,
    )


def investigated(org, capa, *, category="procedure"):
    capa = services.capa_investigate(actor=org.qm_a, capa=capa)
    capa = services.capa_rca_record(
        actor=capa.owner,
        capa=capa,
        whys=["Alarm ignored", "Alarm not audible", "Speaker removed", "No check in the SOP"],
        fishbone={"machine": ["Speaker removed"], "method": "No alarm check\nNo escalation"},
        root_cause="The SOP lacks a daily alarm check.",
        root_cause_category=category,
    )
    return capa


def planned(org, capa, *, due=TODAY):
    services.capa_action_add(
        actor=org.qm_a, capa=capa, kind=ActionKind.CORRECTION, title="Reinstall speaker", owner=org.emp_a, due_date=due
    )
    services.capa_action_add(
        actor=org.qm_a, capa=capa, kind=ActionKind.CORRECTIVE, title="Add alarm check to SOP", owner=org.emp_a,
        due_date=due,
    )  # fmt: skip
    return capa


def approved(org, capa):
    certify(org, org.qm_a)
    services.capa_plan_approve(actor=org.qm_a, capa=capa, password=org.password, username="qm_a", session={})
    capa.refresh_from_db()
    return capa


def implemented(org, capa):
    capa = services.capa_implement(actor=org.qm_a, capa=capa)
    for action in capa.actions.all():
        services.capa_action_complete(actor=org.emp_a, action=action, evidence_note="Done, see log book p. 12")
    return capa
