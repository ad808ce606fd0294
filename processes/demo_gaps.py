"""Demo records of step 2, gaps part: a statement of applicability per site, a completed and approved
ISO 9001 + 14001 + 45001 assessment at Basel, and one in progress at Cork (about half answered).

Everything goes through the services (signatures included, after the signers have certified their
e-signature, as ``ims.documents.demo`` does). Idempotent: what exists is left as it is, a half-done step is
taken forward.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import transaction

from ims.audit.context import audit_context
from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import applicability, gaps
from .models import (
    ApplicabilityStatement,
    AssessmentStatus,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    Standard,
    StatementStatus,
)

STANDARDS = (("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018"))
ADMIN = "admin.global"  # Helena Brunner, VP Global Quality & IMS
BASEL_LEAD = "qm.basel"  # Sabine Keller, Head of Quality, Basel
BASEL_APPROVER = "compliance.basel"  # Matthias Zürcher, Compliance Officer
CORK_LEAD = "ciaran.murphy"  # Quality Manager, Cork
BASEL_TITLE = "IMS readiness 2026 · Basel (ISO 9001, 14001, 45001)"
CORK_TITLE = "IMS readiness 2026 · Cork (ISO 9001, 14001, 45001)"

#: Per site: (standard, clause number, why it does not apply there).
EXCLUSIONS: dict[str, list[tuple[tuple[str, str], str, str]]] = {
    "BSL": [
        (STANDARDS[0], "8.3.1", "Basel manufactures to the registered process; product design is done at Raleigh."),
        (STANDARDS[0], "8.3.2", "Basel manufactures to the registered process; product design is done at Raleigh."),
    ],
    "CRK": [
        (STANDARDS[0], "8.3.1", "Cork fills and finishes to the registered process; design is done at Raleigh."),
        (STANDARDS[0], "8.3.2", "Cork fills and finishes to the registered process; design is done at Raleigh."),
    ],
    "RDU": [],
    "SIN": [
        (STANDARDS[0], "8.3.1", "Singapore packs and distributes; no product design or development."),
        (STANDARDS[0], "7.1.5.2", "No measurements for product conformity at Singapore; release testing is in Basel."),
    ],
}

#: Basel: the gaps and partial conformities found (standard, clause) → (status, finding, owner, due, action).
BASEL_FINDINGS: dict[tuple[tuple[str, str], str], tuple[str, str, str, str]] = {
    (STANDARDS[0], "6.1.1"): (
        ResultStatus.GAP,
        "No documented assessment of the risks and opportunities of the QMS itself; product risk (ICH Q9) only.",
        "qm.basel",
        "2027-03-31",
    ),
    (STANDARDS[0], "7.1.6"): (
        ResultStatus.PARTIAL,
        "Organisational knowledge lives in SOPs; lessons learned from deviations are not collected systematically.",
        "head.basel",
        "2027-02-28",
    ),
    (STANDARDS[0], "9.1.2"): (
        ResultStatus.GAP,
        "Customer satisfaction is not monitored; complaints are the only input (no survey of marketing partners).",
        "compliance.basel",
        "2027-04-30",
    ),
    (STANDARDS[1], "6.1.2"): (
        ResultStatus.PARTIAL,
        "Environmental aspects register exists but misses the solvent recovery unit commissioned in 2026.",
        "owner.basel",
        "2027-01-31",
    ),
    (STANDARDS[1], "6.1.3"): (
        ResultStatus.GAP,
        "Compliance obligations (Swiss ordinances on air and waste) are not listed with their evaluation dates.",
        "owner.basel",
        "2027-03-15",
    ),
    (STANDARDS[2], "5.4"): (
        ResultStatus.PARTIAL,
        "Workers are consulted through the safety committee, but non-managerial participation is not recorded.",
        "head.basel",
        "2027-02-15",
    ),
    (STANDARDS[2], "8.1.4.2"): (
        ResultStatus.GAP,
        "Contractors' OH&S risks are not evaluated before work starts in the cleanrooms (permit to work only).",
        "head.basel",
        "2027-03-31",
    ),
}

EVIDENCE = "Interviews with process owners; records sampled on site."


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _certified(person: Person) -> None:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )


def _standards() -> list[Standard]:
    return [Standard.objects.get(code=code, edition=edition) for code, edition in STANDARDS]


def _statements() -> int:
    admin = _person(ADMIN)
    _certified(admin)
    standards = _standards()
    made = 0
    for site in Site.objects.filter(code__in=EXCLUSIONS).order_by("code"):
        if ApplicabilityStatement._base_manager.filter(site=site, status=StatementStatus.APPROVED).exists():
            continue
        statement = ApplicabilityStatement._base_manager.filter(site=site, status=StatementStatus.DRAFT).first()
        if statement is None:
            statement = applicability.statement_draft_create(
                actor=admin, site=site, standards=standards, change_summary="First statement of the integrated IMS."
            )
        for (code, edition), number, why in EXCLUSIONS[site.code]:
            entry = statement.entries.get(
                clause__standard__code=code, clause__standard__edition=edition, clause__number=number
            )
            if entry.applicable:
                with audit_context(reason="Demo: exclusion agreed with the site"):
                    applicability.entry_update(actor=admin, entry=entry, applicable=False, justification=why)
        applicability.statement_approve(
            actor=admin,
            statement=statement,
            password=settings.IMS_DEMO_PASSWORD,
            username=admin.username,
            reason="Statement of applicability for the integrated IMS",
            session=None,
        )
        made += 1
    return made


def _spread(result: ClauseResult) -> str:
    """A stable, realistic mix: mostly conforming, about one in eight partial."""
    key = f"{result.site_id}:{result.clause.standard.code}:{result.clause.number}".encode()
    return ResultStatus.PARTIAL if hashlib.sha256(key).digest()[0] < 32 else ResultStatus.CONFORMING


def _assessment(title: str) -> GapAssessment | None:
    return GapAssessment._base_manager.filter(title=title).first()


def _basel() -> str:
    admin, lead, approver = _person(ADMIN), _person(BASEL_LEAD), _person(BASEL_APPROVER)
    assessment = _assessment(BASEL_TITLE)
    if assessment is None:
        assessment = gaps.assessment_create(
            actor=admin,
            title=BASEL_TITLE,
            sites=[Site.objects.get(code="BSL")],
            standards=_standards(),
            lead_assessor=lead,
            planned_start=datetime.date(2026, 9, 7),
            planned_end=datetime.date(2026, 9, 18),
            scope="All processes of the Basel plant against the three management-system standards.",
        )
    if assessment.status == AssessmentStatus.DRAFT:
        assessment = gaps.assessment_start(actor=lead, assessment=assessment)
    if assessment.status == AssessmentStatus.IN_PROGRESS:
        with audit_context(reason="Demo: result recorded during the assessment"):
            for result in assessment.results.filter(status="").select_related("clause__standard"):
                key = ((result.clause.standard.code, result.clause.standard.edition), result.clause.number)
                if key in BASEL_FINDINGS:
                    status, finding, owner, due = BASEL_FINDINGS[key]
                    data = {
                        "status": status,
                        "finding": finding,
                        "owner": _person(owner),
                        "due_date": datetime.date.fromisoformat(due),
                        "evidence_records": EVIDENCE,
                    }
                else:
                    status = _spread(result)
                    data = {"status": status, "evidence_records": EVIDENCE}
                    if status == ResultStatus.PARTIAL:
                        data["finding"] = (
                            f"In place for {result.clause.title.lower()}, "
                            "but not applied the same way in every department."
                        )
                gaps.result_record(actor=lead, result=result, data=data)
            for result in assessment.results.filter(status__in=gaps.ACTIONABLE, action_ref="", owner__isnull=False):
                gaps.result_raise_action(actor=lead, result=result)
        assessment = gaps.assessment_complete(actor=lead, assessment=assessment)
    if assessment.status == AssessmentStatus.COMPLETED:
        _certified(approver)
        gaps.assessment_approve(
            actor=approver,
            assessment=assessment,
            password=settings.IMS_DEMO_PASSWORD,
            username=approver.username,
            reason="Results reviewed with the lead assessor",
            session=None,
        )
    return assessment.reference


def _cork() -> str:
    admin, lead = _person(ADMIN), _person(CORK_LEAD)
    assessment = _assessment(CORK_TITLE)
    if assessment is None:
        assessment = gaps.assessment_create(
            actor=admin,
            title=CORK_TITLE,
            sites=[Site.objects.get(code="CRK")],
            standards=_standards(),
            lead_assessor=lead,
            planned_start=datetime.date(2026, 11, 16),
            planned_end=datetime.date(2026, 12, 11),
            scope="Fill & finish, warehouse and utilities at Cork.",
            based_on=None,
        )
    if assessment.status == AssessmentStatus.DRAFT:
        assessment = gaps.assessment_start(actor=lead, assessment=assessment)
        results = list(
            assessment.results.filter(status="")
            .select_related("clause__standard")
            .order_by("clause__standard__code", "clause__position")
        )
        with audit_context(reason="Demo: result recorded during the assessment"):
            for result in results[: len(results) // 2]:
                status = _spread(result)
                data = {"status": status, "evidence_records": EVIDENCE}
                if status == ResultStatus.PARTIAL:
                    data["finding"] = "Practised, but the record of it is incomplete."
                gaps.result_record(actor=lead, result=result, data=data)
    return assessment.reference


@transaction.atomic
def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    if not Standard.objects.filter(code="ISO 9001").exists() or not Person.objects.filter(username=ADMIN).exists():
        return ""

    def state():
        return list(GapAssessment._base_manager.filter(title__in=[BASEL_TITLE, CORK_TITLE]).values_list("status"))

    before = state()
    statements = _statements()
    basel = _basel()
    cork = _cork()
    if not statements and state() == before:
        return ""
    return f"gap assessments {basel} (approved) and {cork} (in progress), {statements} statements of applicability"
