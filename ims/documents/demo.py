"""Demo content of document control: the integrated IMS policy of Helvetia Biologics, made effective.

``documents_demo_seed()`` runs after the demo organisation exists (``manage.py seed_demo``). It goes
through the real services: the policy is registered by its author, submitted, signed "reviewed" and
"approved" with e-signatures (after each signer has certified their e-signature) and becomes effective
on approval. Running it again changes nothing; an interrupted run is taken up where it stopped.
"""

from __future__ import annotations

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


@transaction.atomic
def documents_demo_seed() -> str:
    """Create the IMS policy and take it to effective (idempotent). Returns a one-line summary."""
    author, reviewer, approver = _person(AUTHOR), _person(REVIEWER), _person(APPROVER)
    document = ControlledDocument._base_manager.filter(number=POLICY_NUMBER).first()
    created = document is None
    if created:
        document = services.document_create(
            actor=author,
            number=POLICY_NUMBER,
            title=POLICY_TITLE,
            doc_type=DocumentType.POLICY,
            disciplines=[Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS],
            owner=author,
            sites=Site.objects.filter(is_active=True).order_by("code"),
            review_interval_months=24,
            body=POLICY_BODY,
            effective_date=timezone.localdate(),
        )
    # The seed takes only its own first version to effective. A later version is someone's work with the
    # demo (a new draft, a review under way): it is theirs, and the seed leaves it alone.
    version = DocumentVersion._base_manager.filter(document=document).order_by("number").first()
    users_version = DocumentVersion._base_manager.filter(document=document, number__gt=version.number).exists()
    if users_version or version.status in (VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED, VersionStatus.RETIRED):
        return f"{POLICY_NUMBER} {'created' if created else 'unchanged'} ({version.get_status_display().lower()})"
    if version.status == VersionStatus.DRAFT:
        if version.effective_date is None:
            version = services.version_update(
                actor=author, version=version, data={"effective_date": timezone.localdate()}
            )
        version = services.version_submit(actor=author, version=version)
    if version.status == VersionStatus.IN_REVIEW:
        for signer in (reviewer, approver):
            _certified(signer)
        if not any(r.signer_id == reviewer.pk for r in services.current_reviews(version)):
            _sign(services.version_review, reviewer, version, "Reviewed for the integrated management system")
        _sign(services.version_approve, approver, version, "Approved for release at all sites")
        version = DocumentVersion._base_manager.get(pk=version.pk)
    if version.status == VersionStatus.APPROVED:
        version = services.version_make_effective(version=version)
    outcome = "created" if created else "completed"
    return f"{POLICY_NUMBER} v{version.number} {outcome} ({version.get_status_display().lower()})"
