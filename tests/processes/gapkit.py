"""Helpers of the gap-assessment tests: two small standards, an assessment at a site, signers certified."""

from __future__ import annotations

import datetime

from ims.esign import services as esign_services
from processes import gaps
from processes.models import Clause, ResultStatus, Standard

TODAY = datetime.date(2026, 11, 2)


def small_standards(prefix: str = "TST") -> tuple[Standard, Standard]:
    """``A``: §4 (4.1, 4.2), §5 (5.1, 5.2 <b>), §6 (a leaf); ``B``: §1, §2 (leaves). Five + two leaf clauses."""
    a = Standard.objects.create(code=f"{prefix}-A", edition="2026", title="Test standard A", kind="iso")
    b = Standard.objects.create(code=f"{prefix}-B", edition="2026", title="Test standard B", kind="iso")
    c4 = Clause.objects.create(standard=a, number="4", title="Context", position=10)
    Clause.objects.create(standard=a, number="4.1", title="Issues", parent=c4, position=11)
    Clause.objects.create(standard=a, number="4.2", title="Interested parties", parent=c4, position=12)
    c5 = Clause.objects.create(standard=a, number="5", title="Leadership <&>", position=20)
    Clause.objects.create(standard=a, number="5.1", title="Commitment", parent=c5, position=21)
    Clause.objects.create(standard=a, number="5.2", title="Policy <b>", parent=c5, position=22)
    Clause.objects.create(standard=a, number="6", title="Planning", position=30)
    Clause.objects.create(standard=b, number="1", title="Scope", position=1)
    Clause.objects.create(standard=b, number="2", title="Terms", position=2)
    return a, b


def clause(standard: Standard, number: str) -> Clause:
    return Clause.objects.get(standard=standard, number=number)


def certify(org, *people) -> None:
    for person in people:
        esign_services.certification_create(person=person, password=org.password, username=person.username, session={})


def assessment_at(org, sites, standards, *, actor=None, lead=None, start=False, **extra):
    assessment = gaps.assessment_create(
        actor=actor or org.admin,
        title="Readiness check",
        sites=sites,
        standards=standards,
        lead_assessor=lead or org.qm_a,
        planned_start=TODAY,
        **extra,
    )
    if start:
        assessment = gaps.assessment_start(actor=actor or org.admin, assessment=assessment)
    return assessment


def answer_all(assessment, actor, status=ResultStatus.CONFORMING) -> None:
    for result in assessment.results.filter(status=""):
        data = {"status": status}
        if status == ResultStatus.NOT_APPLICABLE:
            data["justification"] = "Not done here"
        gaps.result_record(actor=actor, result=result, data=data)
