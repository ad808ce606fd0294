"""Builders of the audit tests: a small standard, an audited process, qualified and independent auditors."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from audits import services
from audits.constants import INTERNAL_AUDIT_DUTY
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person, Role
from processes.models import Clause, Process, Standard
from tests.processes.gapkit import certify
from training import services as training_services
from training.models import Course, SignerQualification

_numbers = itertools.count(1)
PLANNED = datetime.date(2026, 11, 16)


def standard() -> Standard:
    """AUD-STD: §4 (4.1, 4.2), §8 (8.1), §9 — and a clause of another standard, outside any audit's scope."""
    found = Standard.objects.filter(code="AUD-STD").first()
    if found:
        return found
    s = Standard.objects.create(code="AUD-STD", edition="2026", title="Audit test standard", kind="iso")
    c4 = Clause.objects.create(standard=s, number="4", title="Context", position=10)
    Clause.objects.create(standard=s, number="4.1", title="Issues", parent=c4, position=11)
    Clause.objects.create(standard=s, number="4.2", title="Interested parties", parent=c4, position=12)
    c8 = Clause.objects.create(standard=s, number="8", title="Operation", position=20)
    Clause.objects.create(standard=s, number="8.1", title="Operational control", parent=c8, position=21)
    Clause.objects.create(standard=s, number="9", title="Performance evaluation", position=30)
    other = Standard.objects.create(code="AUD-OTHER", edition="2026", title="Other", kind="iso")
    Clause.objects.create(standard=other, number="1", title="Elsewhere", position=1)
    return s


def clause(number: str, code: str = "AUD-STD") -> Clause:
    standard()
    return Clause.objects.get(standard__code=code, number=number)


def process_at(org, *sites, functions=None, code=None) -> Process:
    standard()
    process = Process.objects.create(
        code=code or f"AUD-P{next(_numbers):03d}", name="Batch release", process_type="core", owner=org.qm_a
    )
    process.sites.set(sites or [org.site_a])
    process.functions.set(functions if functions is not None else [org.prod])
    process.clauses.set([clause("8.1"), clause("9")])
    return process


def internal_audit_course() -> Course:
    course = Course.objects.filter(code="IA-101").first()
    if course is None:
        course = Course.objects.create(code="IA-101", title="Internal auditor (ISO 19011)")
        SignerQualification.objects.create(duty=INTERNAL_AUDIT_DUTY, course=course)
    return course


def qualify(org, person, site=None) -> None:
    """A current, signed internal-auditor training record for ``person``."""
    course = internal_audit_course()
    course.sites.add(site or org.site_a)
    certify(org, person)
    assignment = training_services.assignment_create_manual(
        actor=None, person=person, course=course, site=site or org.site_a, due_date=timezone.localdate()
    )
    training_services.self_study_complete(
        actor=person, assignment=assignment, password=org.password, username=person.username
    )


def person_at(org, username: str, site, function, role=RoleCode.INTERNAL_AUDITOR) -> Person:
    existing = Person.objects.filter(username=username).first()
    if existing:
        return existing
    person = org_services.person_create(
        username=username, employee_id=username.upper(), first_name=username.split("_")[0].capitalize(),
        last_name=username.split("_")[-1].capitalize(), email=f"{username}@example.com",
    )  # fmt: skip
    Person.objects.filter(pk=person.pk).update(password=org.qm_a.password)
    person.password = org.qm_a.password
    org_services.membership_create(person=person, site=site, function=function, role=Role.objects.get(code=role))
    return person


def auditor(org, qualified: bool = True, function=None, username: str = "auditor_a") -> Person:
    """An internal auditor at site A in QA (independent of a Production process), qualified by default."""
    person = person_at(org, username, org.site_a, function or org.qa)
    if qualified:
        qualify(org, person)
    return person


def audit_at(org, site=None, *, actor=None, lead=None, auditees=(), process=None, **extra):
    site = site or org.site_a
    process = process or process_at(org, site)
    return services.audit_create(
        actor=actor or org.admin,
        site=site,
        title=extra.pop("title", "Batch release audit"),
        planned_date=extra.pop("planned_date", PLANNED),
        processes=[process],
        clauses=extra.pop("clauses", [clause("8"), clause("8.1"), clause("9")]),
        lead_auditor=lead,
        auditees=list(auditees),
        **extra,
    )


def started(org, **kwargs):
    lead = kwargs.pop("lead", None) or auditor(org)
    auditees = kwargs.pop("auditees", None) or [org.emp_a]
    audit = audit_at(org, lead=lead, auditees=auditees, **kwargs)
    return services.audit_start(actor=lead, audit=audit), lead


def answer_all(audit, actor, result="conforming") -> None:
    for item in audit.items.filter(result=""):
        services.item_answer(actor=actor, item=item, result=result)
