"""Demo content of document control: the integrated IMS policy of Helvetia Biologics and the register of
procedures, work instructions and forms a quality manager meets on day one, in every state of the life
cycle (effective, revised with a superseded version, a revision in review, in review, draft).

``documents_demo_seed()`` runs after the demo organisation exists (``manage.py seed_demo``). It goes
through the real services: each document is registered by its author, submitted, signed "reviewed" and
"approved" with e-signatures (after each signer has certified their e-signature) and becomes effective
on approval. Running it again changes nothing; an interrupted run is taken up where it stopped, and
versions that demo users started are theirs: the seed never touches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import services
from .choices import Discipline, DocumentType, VersionStatus
from .models import ControlledDocument, DocumentVersion

POLICY_NUMBER = "POL-IMS-001"
POLICY_TITLE = "Integrated Management System Policy"
AUTHOR = "admin.global"  # Helena Brunner, VP Global Quality & IMS: owner and author
REVIEWER = "qm.basel"  # Sabine Keller, Head of Quality, Basel
APPROVER = "compliance.basel"  # Matthias Zürcher, Compliance Officer

POLICY_BODY = """\
# Integrated Management System Policy

## 1. Purpose and scope

Helvetia Biologics develops, manufactures, tests and distributes biological medicines for patients who
depend on them. This policy states how the company manages quality, the environment and occupational
health and safety as one integrated management system (IMS). It applies to every site, function,
employee and contractor of Helvetia Biologics, to all products and services across their life cycle,
and to the outsourced activities we remain accountable for.

## 2. Our commitments

### 2.1 Quality and patient safety

- Every batch we release is safe, effective and made as registered; no schedule, cost or volume target
  outranks the patient.
- Quality is built into processes, facilities and decisions from development to distribution; it is
  not inspected in at the end.
- Deviations, complaints and failures are reported openly and promptly, investigated to their root
  cause and corrected so that they do not recur.

### 2.2 Protection of the environment

- We prevent pollution and reduce the environmental footprint of our operations, in particular energy
  and water use, solvent and biological waste, and emissions to air and water.
- Environmental aspects are considered when we design processes, select suppliers and plan changes.

### 2.3 Safe and healthy workplaces

- We provide safe and healthy working conditions and prevent work-related injury and ill health.
- Hazards are eliminated where we can and their risks reduced where we cannot, following the hierarchy
  of controls, with special attention to biological agents, chemicals, pressure systems and manual work.
- Anyone may stop work they believe to be unsafe, without fear of reprisal.

### 2.4 Compliance

We meet the legal, regulatory and other requirements that apply to us, including EU GMP, the US FDA
regulations for drugs and biologics (with 21 CFR Part 11 for electronic records and signatures),
Swissmedic and the other health authorities of the markets we supply, environmental permits and
occupational safety law. Where requirements differ between sites, each site meets its own and the
strictest shared standard.

### 2.5 Continual improvement

We set measurable objectives, monitor performance, learn from audits, incidents, inspections and
feedback, and improve the suitability, adequacy and effectiveness of the IMS.

### 2.6 Consultation and participation of workers

Employees and their representatives are consulted on, and take part in, decisions that affect their
health and safety and their work: hazard identification, risk assessment, incident investigation,
the choice of controls and protective equipment, training needs and changes to the IMS.

## 3. Framework for objectives

Top management sets company-wide IMS objectives each year in the management review, derived from this
policy, the risks and opportunities identified and the expectations of interested parties. Each site
and function breaks them down into objectives of its own. Every objective is measurable, has an owner,
the resources needed, a due date and a method of evaluation, and is followed up at least quarterly.
Typical themes are right-first-time batch release, closure of CAPAs on time, reduction of energy and
waste per batch, and fewer lost-time injuries.

## 4. Responsibilities

- **Executive management** is accountable for the effectiveness of the IMS, provides the resources it
  needs and reviews it at planned intervals.
- **The VP Global Quality & IMS** owns this policy and the IMS, reports on its performance and keeps
  the policy current.
- **Site directors and site quality managers** put the policy into effect at their sites; the
  qualified persons and quality units keep their independent release and approval authority.
- **EHS managers** lead environmental and occupational health and safety programmes at their sites.
- **Managers** make sure their teams are trained, competent and able to follow the procedures.
- **Every employee and contractor** works to the approved procedures, reports hazards, incidents,
  deviations and improvement ideas, and takes part in consultation.

## 5. Communication and availability

This policy is communicated to every employee at onboarding and after each revision, displayed at each
site, included in supplier and contractor induction and available to interested parties on request.
It is reviewed at least every two years, and sooner when the context, the strategy or the requirements
of the company change.
"""


@dataclass(frozen=True)
class DemoDocument:
    number: str
    title: str
    doc_type: str
    disciplines: tuple[str, ...]
    body: str
    #: Where the first version ends: "effective", "in_review" or "draft".
    state: str = "effective"
    #: Site codes in scope; empty means every active site.
    sites: tuple[str, ...] = ()
    #: A second version the seed writes once the first is effective, and where it ends.
    revision: str = ""
    revision_state: str = ""
    review_interval_months: int = 24


def _sop(purpose: str, *steps: str) -> str:
    lines = ["## 1. Purpose", "", purpose, "", "## 2. Procedure", ""]
    lines += [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    lines += [
        "",
        "## 3. Records",
        "",
        "Records are kept in the IMS portal and retained for the life of the product + 1 year.",
    ]
    return "\n".join(lines) + "\n"


DEMO_DOCUMENTS: tuple[DemoDocument, ...] = (
    DemoDocument(
        POLICY_NUMBER,
        POLICY_TITLE,
        DocumentType.POLICY,
        (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS),
        POLICY_BODY,
    ),
    DemoDocument(
        "SOP-QA-001",
        "Deviation management",
        DocumentType.PROCEDURE,
        (Discipline.QUALITY,),
        _sop(
            "How any departure from an approved procedure, specification or GMP expectation is recorded, assessed, "
            "investigated and closed.",
            "Whoever finds the deviation secures the product and tells the supervisor at once.",
            "The supervisor records the deviation in the portal on the same shift.",
            "Quality assesses its impact (minor, major, critical) within one working day.",
            "Major and critical deviations are investigated to their root cause; a CAPA is opened where needed.",
            "Quality approves the closure with an electronic signature before any affected batch is released.",
        ),
    ),
    DemoDocument(
        "SOP-QA-002",
        "Change control",
        DocumentType.PROCEDURE,
        (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS),
        _sop(
            "How changes to facilities, equipment, processes, materials, systems and documents are proposed, "
            "assessed for quality, environmental and safety impact, approved and verified.",
            "The initiator describes the change, its reason and what it affects.",
            "Quality, EHS and the process owner assess the impact and the validation needed.",
            "The change board approves, rejects or returns the change with an electronic signature.",
            "Actions are carried out and verified; the change is closed when its effectiveness is confirmed.",
        ),
        revision="Adds the EHS impact assessment to every change (audit finding 2026-07).",
        revision_state="effective",
    ),
    DemoDocument(
        "SOP-PRD-004",
        "Cleanroom gowning (grade B)",
        DocumentType.PROCEDURE,
        (Discipline.QUALITY, Discipline.OHS),
        _sop(
            "The gowning sequence for entering grade B cleanrooms at Basel, so that people do not contaminate "
            "the product and the product does not harm people.",
            "Remove jewellery and make-up; wash and disinfect hands.",
            "Put on hood, mask and goggles, then the sterile coverall without touching its outside.",
            "Put on overboots across the step-over bench, then the second pair of sterile gloves.",
            "Check the gown in the mirror; a trainer verifies the sequence at qualification and every year.",
        ),
        sites=("BSL",),
        review_interval_months=12,
    ),
    DemoDocument(
        "SOP-EHS-003",
        "Segregation and disposal of biological and chemical waste",
        DocumentType.PROCEDURE,
        (Discipline.ENVIRONMENT, Discipline.OHS),
        _sop(
            "How waste is segregated at the point of use, inactivated where biological, stored and handed to "
            "licensed contractors, as the environmental permits of each site require.",
            "Segregate at the point of use into the colour-coded containers: biological, chemical, sharps, general.",
            "Inactivate biological waste by autoclave (121 °C, 30 min) before it leaves the laboratory.",
            "Label and store chemical waste by hazard class in the bunded waste store.",
            "Hand waste only to licensed contractors; keep every consignment note.",
        ),
        revision="Adds solvent recovery for ethanol and isopropanol; updates the container colours.",
        revision_state="in_review",
    ),
    DemoDocument(
        "WI-QC-010",
        "Environmental monitoring of grade A/B cleanrooms",
        DocumentType.WORK_INSTRUCTION,
        (Discipline.QUALITY,),
        _sop(
            "How Quality Control samples air and surfaces in grade A and B cleanrooms during operations.",
            "Take settle plates at the locations of the sampling plan for the full duration of the operation.",
            "Take contact plates of the critical surfaces and the operators' gloves at the end of the operation.",
            "Incubate, count and record the results in the portal on the day of reading.",
            "Report any result above the alert or action limit to Quality on the same day.",
        ),
        state="in_review",
        sites=("BSL",),
    ),
    DemoDocument(
        "FRM-QA-014",
        "Deviation report form",
        DocumentType.FORM,
        (Discipline.QUALITY,),
        _sop(
            "The form on which a deviation is first recorded when the portal cannot be used (e.g. in a cleanroom).",
            "Fill in the date, time, area, batch and what was observed.",
            "Sign and date; hand the form to the supervisor before the end of the shift.",
        ),
        state="draft",
    ),
)


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _certified(person: Person) -> None:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )


def _sign(service, person: Person, version: DocumentVersion, reason: str) -> None:
    service(
        actor=person,
        version=version,
        password=settings.IMS_DEMO_PASSWORD,
        username=person.username,
        reason=reason,
        session=None,
    )


_ORDER = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED, VersionStatus.EFFECTIVE)


def _take_to(version: DocumentVersion, state: str) -> DocumentVersion:
    """Move one of the seed's own versions forward to ``state`` (never back), through the real services."""
    author, reviewer, approver = _person(AUTHOR), _person(REVIEWER), _person(APPROVER)
    if version.status not in _ORDER or _ORDER.index(version.status) >= _ORDER.index(state):
        return version
    if version.status == VersionStatus.DRAFT:
        if version.effective_date is None:
            version = services.version_update(
                actor=author, version=version, data={"effective_date": timezone.localdate()}
            )
        version = services.version_submit(actor=author, version=version)
    if version.status == VersionStatus.IN_REVIEW and state == VersionStatus.EFFECTIVE:
        for signer in (reviewer, approver):
            _certified(signer)
        if not any(r.signer_id == reviewer.pk for r in services.current_reviews(version)):
            _sign(services.version_review, reviewer, version, "Reviewed for the integrated management system")
        _sign(services.version_approve, approver, version, "Approved for release")
        version = DocumentVersion._base_manager.get(pk=version.pk)
    if version.status == VersionStatus.APPROVED:
        version = services.version_make_effective(version=version)
    return version


def _seed_document(spec: DemoDocument) -> str:
    author = _person(AUTHOR)
    document = ControlledDocument._base_manager.filter(number=spec.number).first()
    created = document is None
    if created:
        sites = Site.objects.filter(is_active=True).order_by("code")
        document = services.document_create(
            actor=author,
            number=spec.number,
            title=spec.title,
            doc_type=spec.doc_type,
            disciplines=list(spec.disciplines),
            owner=author,
            sites=sites.filter(code__in=spec.sites) if spec.sites else sites,
            review_interval_months=spec.review_interval_months,
            body=spec.body,
            effective_date=timezone.localdate(),
        )
    versions = list(DocumentVersion._base_manager.filter(document=document).order_by("number"))
    # The seed's own versions: the first, and the revision it writes (known by its change summary). Any
    # other version is someone's work with the demo (a new draft, a review under way): the seed leaves the
    # document alone from there.
    own = [versions[0]] + [v for v in versions[1:2] if spec.revision and v.change_summary == spec.revision]
    if len(versions) > len(own):
        version = own[-1]
        return f"{spec.number} {'created' if created else 'unchanged'} ({version.get_status_display().lower()})"
    before = [(v.pk, v.status) for v in own]
    own[0] = _take_to(own[0], spec.state)
    if spec.revision and own[0].status == VersionStatus.EFFECTIVE:
        if len(own) == 1:
            own.append(
                services.version_create(
                    actor=author,
                    document=document,
                    change_summary=spec.revision,
                    body=spec.body + "\n## 4. Changes in this version\n\n" + spec.revision + "\n",
                    effective_date=timezone.localdate(),
                )
            )
        own[1] = _take_to(own[1], spec.revision_state)
    version = own[-1]
    status = version.get_status_display().lower()
    if created:
        return f"{spec.number} v{version.number} created ({status})"
    if before == [(v.pk, v.status) for v in own]:
        return f"{spec.number} unchanged ({status})"
    return f"{spec.number} v{version.number} completed ({status})"


@transaction.atomic
def documents_demo_seed() -> str:
    """Create the demo documents and take each to its state (idempotent). Returns a one-line summary."""
    return "; ".join(_seed_document(spec) for spec in DEMO_DOCUMENTS)
