"""Demo training for ``manage.py seed_demo``: a small catalogue, requirements, a question bank and a session.

Idempotent: nothing changes when the demo courses exist. Everything goes through the services, so the
assignments appear the way they do in production (requirements × memberships).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ims.documents.models import ControlledDocument
from ims.org.choices import RoleCode
from ims.org.models import Person, Role, Site

from . import assessments, catalogue, services, sessions
from .models import Assignment, Course
from .models.assessment import QuestionKind

GMP = "GMP-101"
IMS_AWARENESS = "IMS-AWARE-01"
GOWNING = "CLEAN-GOWN-01"

GMP_QUESTIONS = (
    (
        "Who may release a batch for sale?",
        QuestionKind.SINGLE,
        (("The Qualified Person", True), ("The production shift lead", False), ("Anyone who signed the record", False)),
    ),
    (
        "A record entry is wrong. What do you do?",
        QuestionKind.SINGLE,
        (
            ("Strike it through once, write the correction, sign, date and give the reason", True),
            ("Use correction fluid and write over it", False),
            ("Tear out the page and rewrite it", False),
        ),
    ),
    (
        "Which of these are ALCOA+ principles of data integrity?",
        QuestionKind.MULTIPLE,
        (("Attributable", True), ("Contemporaneous", True), ("Approximate", False), ("Enduring", True)),
    ),
    (
        "You find a deviation from the procedure during production. What comes first?",
        QuestionKind.SINGLE,
        (("Stop, secure the product and tell your supervisor", True), ("Finish the batch, report later", False)),
    ),
)


#: Demo people who have done the IMS awareness self-study already (so compliance is not at 0 %).
DEMO_TRAINED = 12


def training_records_demo_seed() -> str:
    """Some people at each site completed the IMS awareness course, signing "trained" (once)."""
    from django.conf import settings

    from ims.esign import services as esign_services

    from .models import TrainingRecord

    if TrainingRecord.objects.filter(course__code=IMS_AWARENESS).exists():
        return "records unchanged"
    done = 0
    open_assignments = (
        Assignment.objects.filter(course__code=IMS_AWARENESS, status="open")
        .exclude(person__username__in=["employee.cork", "inspector.basel"])
        .select_related("person")
        .order_by("site__code", "person__username")
    )
    per_site: dict[int, int] = {}
    for assignment in open_assignments:
        if done >= DEMO_TRAINED:
            break
        person = assignment.person
        if not person.has_usable_password():
            continue  # only the demo logins can sign in, and so sign
        if esign_services.certification_current(person) is None:
            esign_services.certification_create(
                person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
            )
        services.self_study_complete(
            actor=person, assignment=assignment, password=settings.IMS_DEMO_PASSWORD, username=person.username
        )
        per_site[assignment.site_id] = per_site.get(assignment.site_id, 0) + 1
        done += 1
    return f"{done} trainings completed"


#: The internal auditors' course: signing an audit report asks for it (signer qualification, duty "internal_audit").
INTERNAL_AUDITOR = "IA-ISO19011"


def internal_auditor_demo_seed() -> str:
    """The internal-auditor course as the qualification of the "internal_audit" duty, current for auditor.basel."""
    from django.conf import settings

    from ims.esign import services as esign_services

    from .models import SignerQualification

    if Course.objects.filter(code=INTERNAL_AUDITOR).exists():
        return "internal-auditor course unchanged"
    basel = Site.objects.get(code="BSL")
    course = catalogue.course_create(
        actor=None,
        sites=list(Site.objects.filter(is_active=True).order_by("code")),
        code=INTERNAL_AUDITOR,
        title="Internal auditor (ISO 19011)",
        description="Planning and conducting internal audits, grading findings, writing the report.",
        duration_minutes=480,
    )
    SignerQualification.objects.create(duty="internal_audit", course=course)
    auditor = Person.objects.get(username="auditor.basel")
    if esign_services.certification_current(auditor) is None:
        esign_services.certification_create(
            person=auditor, password=settings.IMS_DEMO_PASSWORD, username=auditor.username, session=None
        )
    assignment = services.assignment_create_manual(
        actor=None, person=auditor, course=course, site=basel, due_date=timezone.localdate()
    )
    services.self_study_complete(
        actor=auditor, assignment=assignment, password=settings.IMS_DEMO_PASSWORD, username=auditor.username
    )
    return "internal-auditor course, auditor.basel qualified"


@transaction.atomic
def training_demo_seed() -> str:
    if Course.objects.filter(code=GMP).exists():
        return f"training unchanged; {training_records_demo_seed()}; {internal_auditor_demo_seed()}"
    qm = Person.objects.get(username="qm.basel")
    trainer = Person.objects.get(username="trainer.basel")
    sites = list(Site.objects.filter(is_active=True).order_by("code"))
    basel = Site.objects.get(code="BSL")
    policy = ControlledDocument.objects.filter(number="POL-IMS-001").first()
    gowning_sop = ControlledDocument.objects.filter(number="SOP-PRD-004").first()
    employee = Role.objects.get(code=RoleCode.EMPLOYEE)

    gmp = catalogue.course_create(
        actor=None,
        sites=sites,
        code=GMP,
        title="GMP basics",
        description="Good manufacturing practice for everyone who works on or near the product.",
        duration_minutes=90,
        has_assessment=True,
    )
    awareness = catalogue.course_create(
        actor=None,
        sites=sites,
        documents=[policy] if policy else [],
        code=IMS_AWARENESS,
        title="The integrated management system and our policy",
        description="What the IMS is, the policy's commitments and your part in them.",
        duration_minutes=30,
    )
    gowning = catalogue.course_create(
        actor=None,
        sites=[basel],
        documents=[gowning_sop] if gowning_sop else [],
        code=GOWNING,
        title="Cleanroom gowning (grade B)",
        description="Gowning sequence, verified in person by a trainer.",
        duration_minutes=60,
        requires_practical=True,
    )
    for text, kind, choices in GMP_QUESTIONS:
        assessments.question_create(
            actor=qm,
            course=gmp,
            text=text,
            kind=kind,
            choices=[{"text": t, "is_correct": ok} for t, ok in choices],
        )
    assessments.settings_update(actor=qm, course=gmp, pass_mark=75, questions_per_attempt=4, retake_limit=2)
    for site in sites:
        services.requirement_create(actor=None, site=site, course=gmp, recurrence_months=12, grace_days=30)
        # Everyone, like GMP basics: the policy is everybody's.
        services.requirement_create(actor=None, site=site, course=awareness, grace_days=21)
    services.requirement_create(actor=None, site=basel, course=gowning, role=employee, grace_days=14)
    start = timezone.localtime(timezone.now(), basel.tzinfo).replace(hour=9, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=2)
    sessions.session_create(
        actor=None,
        course=gowning,
        site=basel,
        location="Building 3, gowning room",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        capacity=8,
        trainer=trainer,
    )
    records = training_records_demo_seed()
    auditors = internal_auditor_demo_seed()
    return f"training: 3 courses, {Assignment.objects.count()} assignments, 1 session planned; {records}; {auditors}"
