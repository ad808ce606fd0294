"""Rows for the isolation kit, built from a site alone: an audit, a running audit's question and finding."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audits import services
from audits.models import Audit, AuditProgramme, ChecklistItem, Finding
from ims.esign import services as esign_services
from processes.models import Process
from tests.audits.auditkit import clause, internal_audit_course, standard
from tests.conftest import PASSWORD
from tests.processes.test_gap_isolation import manager_at
from training import services as training_services

PLANNED = datetime.date(2026, 12, 1)


def process_for(site) -> Process:
    standard()
    process = Process.objects.filter(code=f"ISO-{site.code}").first()
    if process is None:
        process = Process.objects.create(
            code=f"ISO-{site.code}", name="Isolation process", process_type="core", owner=manager_at(site)
        )
        process.sites.set([site])
    return process


def programme_at(site) -> AuditProgramme:
    return services.programme_create(actor=manager_at(site), year=2026, title="Kit programme", sites=[site])


def audit_for(site, clauses=None) -> Audit:
    return services.audit_create(
        actor=manager_at(site), site=site, title="Kit audit", planned_date=PLANNED,
        processes=[process_for(site)], clauses=clauses or [clause("8.1"), clause("9")],
    )  # fmt: skip


def qualified_auditor(site):
    """An internal auditor of the site who can sign and is current on the internal-auditor course (one per site)."""
    from ims.org.choices import RoleCode
    from ims.org.models import Person
    from ims.testing.factories import PersonFactory

    found = Person.objects.filter(
        memberships__site=site, memberships__role__code=RoleCode.INTERNAL_AUDITOR, username__startswith="kit_auditor"
    ).first()
    if found is not None:
        return found
    person = PersonFactory(site=site, site__role=RoleCode.INTERNAL_AUDITOR, username=f"kit_auditor_{site.code.lower()}")
    person.set_password(PASSWORD)
    person.save(update_fields=["password"])
    esign_services.certification_create(person=person, password=PASSWORD, username=person.username, session={})
    course = internal_audit_course()
    course.sites.add(site)
    assignment = training_services.assignment_create_manual(
        actor=None, person=person, course=course, site=site, due_date=timezone.localdate()
    )
    training_services.self_study_complete(
        actor=person, assignment=assignment, password=PASSWORD, username=person.username
    )
    return person


def running_audit_for(site, clauses=None) -> Audit:
    lead = qualified_auditor(site)
    audit = audit_for(site, clauses)
    services.audit_assign(actor=manager_at(site), audit=audit, lead_auditor=lead, reason="Kit")
    return services.audit_start(actor=lead, audit=audit)


def item_for(site) -> ChecklistItem:
    return running_audit_for(site, [clause("9")]).items.get()  # one question per audit


def finding_for(site) -> Finding:
    audit = running_audit_for(site)
    return services.finding_raise(
        actor=audit.lead_auditor, audit=audit, grade="minor", clause=clause("8.1"), statement="Kit finding",
        evidence_reference="Record 1",
    )  # fmt: skip
