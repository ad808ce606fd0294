"""Demo internal audits for ``manage.py seed_demo``: the 2026 programme at Basel, planned quarterly by the
programme task, and two audits carried out with findings (one closed, one awaiting the auditee).

The lead auditor, Chiara Rossi (auditor.basel, Quality Assurance), is independent of the audited processes (EHS
and production functions) and holds the internal-auditor course (seeded by training's demo). Everything goes
through the services, signatures included. Idempotent: an existing programme is left as it is.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction

from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import scheduling, services
from .choices import AuditStatus, FindingGrade, RiskLevel
from .models import Audit, AuditProgramme, ChecklistTemplate

TITLE = "Internal audit programme 2026 · Basel"
YEAR = 2026
AUDITOR = "auditor.basel"  # Chiara Rossi, Lead Internal Auditor (QA)
PLANNER = "qm.basel"  # Sabine Keller, Head of Quality: plans and approves
AUDITEE = "head.basel"  # Reto Baumgartner, Head of Production: acknowledges

#: (process code, risk): quarterly EHS incident management, environmental management twice a year.
AREAS = (("EHS-INC", RiskLevel.HIGH), ("EHS-ENV", RiskLevel.MEDIUM))

#: Findings of the two audits carried out: (grade, clause position in the scope, finding, evidence).
FINDINGS = {
    1: (
        (
            FindingGrade.MAJOR,
            0,
            "Two near misses of March were not investigated within the 10 days of the SOP.",
            "Incident log 2026-03, entries NM-031 and NM-034",
        ),
        (
            FindingGrade.MINOR,
            1,
            "The investigation form was filled without the root-cause category.",
            "Investigation IR-2026-012",
        ),
        (
            FindingGrade.OBSERVATION,
            2,
            "Toolbox talks mention lessons learned, but not consistently.",
            "Shift briefing notes, week 11",
        ),
    ),
    2: (
        (
            FindingGrade.MINOR,
            0,
            "Corrective actions from incident IR-2026-019 overdue by 3 weeks.",
            "CAPA tracker extract of 2026-05-28",
        ),
        (
            FindingGrade.OPPORTUNITY,
            1,
            "Trend incidents by area on the site dashboard to target walkdowns.",
            "EHS KPI pack May 2026",
        ),
    ),
}


def _certified(person: Person) -> Person:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )
    return person


def _carry_out(audit: Audit, number: int, *, auditor, planner, auditee, close: bool) -> None:
    password = settings.IMS_DEMO_PASSWORD
    services.audit_assign(actor=planner, audit=audit, reason="Audit team named", auditees=[auditee])
    audit = services.audit_start(actor=auditor, audit=audit)
    clauses = list(audit.clauses.select_related("standard").order_by("standard__code", "position"))
    process = audit.processes.first()
    day = audit.planned_date
    for grade, index, statement, evidence in FINDINGS[number]:
        clause = clauses[index % len(clauses)]
        item = audit.items.filter(clause=clause).first()
        services.finding_raise(
            actor=auditor, audit=audit, grade=grade, clause=clause, process=process, statement=statement,
            evidence_reference=evidence, checklist_item=item, raised_on=day,
        )  # fmt: skip
        if item is not None:
            result = "observation" if grade in (FindingGrade.OBSERVATION, FindingGrade.OPPORTUNITY) else "nonconforming"
            services.item_answer(actor=auditor, item=item, result=result, notes=statement)
    for item in audit.items.filter(result=""):
        services.item_answer(actor=auditor, item=item, result="conforming", notes="Evidence seen.")
    summary = "The process is established; the findings below need action before the next quarter."
    services.audit_complete(actor=auditor, audit=audit, password=password, username=auditor.username, summary=summary)
    if close:
        services.audit_acknowledge(actor=auditee, audit=audit, password=password, username=auditee.username)
        services.audit_approve(actor=planner, audit=audit, password=password, username=planner.username)


def audits_demo_seed() -> str:
    from processes.models import Process

    if AuditProgramme.objects.filter(title=TITLE).exists():
        return "audits unchanged"
    basel = Site.objects.get(code="BSL")
    auditor = _certified(Person.objects.get(username=AUDITOR))
    planner = _certified(Person.objects.get(username=PLANNER))
    auditee = _certified(Person.objects.get(username=AUDITEE))
    with transaction.atomic():
        ChecklistTemplate.objects.get_or_create(name="Default audit questions", defaults={"is_default": True})
        programme = services.programme_create(
            actor=planner, year=YEAR, title=TITLE, sites=[basel],
            objectives="Risk-based internal audits of the EHS processes at Basel (ISO 14001 and ISO 45001).",
        )  # fmt: skip
        for code, risk in AREAS:
            services.area_add(
                actor=planner, programme=programme, process=Process.objects.get(code=code), risk=risk, auditor=auditor
            )
        created = scheduling.programme_schedule(
            today=datetime.date(YEAR, 1, 1), horizon_days=366, programme_id=programme.pk
        )
    quarterly = list(
        Audit.objects.filter(programme=programme, area__process__code=AREAS[0][0]).order_by("period_start")
    )
    _carry_out(quarterly[0], 1, auditor=auditor, planner=planner, auditee=auditee, close=True)
    _carry_out(quarterly[1], 2, auditor=auditor, planner=planner, auditee=auditee, close=False)
    done = Audit.objects.filter(programme=programme).exclude(status=AuditStatus.PLANNED).count()
    return f"audits: 1 programme, {created} audits planned, {done} carried out"
