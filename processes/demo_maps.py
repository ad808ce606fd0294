"""Demo records of step 2: maps part (called by ``processes.demo``).

Ten BPMN maps written by us (``processes/bpmn_samples/*.bpmn``, built from the outlines in
``processes.bpmn_samples.build``), each registered as a process-map document at every demo site, reviewed
and approved with e-signatures by the demo people who sign the demo documents, and effective. Each map is
named as the map of the demo process with the same code (or the same name) when the register has it.

Idempotent: a map that exists is left as it is, except that the seed's own first version is taken on to
effective if an earlier run stopped half-way; versions that demo users started are theirs.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ims.documents import services as document_services
from ims.documents.choices import Discipline, VersionStatus
from ims.documents.demo import APPROVER, AUTHOR, REVIEWER
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign import services as esign_services
from ims.org.models import Function, Person, Site

from . import maps
from .bpmn_samples.build import OUTLINES
from .models import Process

SAMPLES = Path(__file__).resolve().parent / "bpmn_samples"
DISCIPLINES = {
    "MGT-01": (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS),
    "SUP-03": (Discipline.ENVIRONMENT,),
    "SUP-04": (Discipline.OHS,),
}


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _certified(person: Person) -> Person:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )
    return person


def _sign(service, person: Person, version: DocumentVersion, reason: str) -> None:
    service(
        actor=person,
        version=version,
        password=settings.IMS_DEMO_PASSWORD,
        username=person.username,
        reason=reason,
        session=None,
    )


def _effective(version: DocumentVersion) -> DocumentVersion:
    """Take the seed's draft through review and approval to effective (the kernel's services)."""
    author = _person(AUTHOR)
    reviewer, approver = _certified(_person(REVIEWER)), _certified(_person(APPROVER))
    if version.status == VersionStatus.DRAFT:
        version = document_services.version_submit(actor=author, version=version)
    if version.status == VersionStatus.IN_REVIEW:
        if not any(r.signer_id == reviewer.pk for r in document_services.current_reviews(version)):
            _sign(document_services.version_review, reviewer, version, "Reviewed: the map matches the procedure")
        _sign(document_services.version_approve, approver, version, "Approved for use")
        version = DocumentVersion._base_manager.get(pk=version.pk)
    if version.status == VersionStatus.APPROVED:
        version = document_services.version_make_effective(version=version)
    return version


#: The demo register's process each map draws (map outline → process code).
MAP_OF_PROCESS = {
    "MGT-01": "MGT-REVIEW",
    "MGT-02": "QA-DOC",
    "MGT-03": "QA-CAPA",
    "COR-01": "PRD-MFG",
    "COR-02": "QC-REL",
    "COR-03": "QA-COMPL",
    "SUP-01": "HR-TRAIN",
    "SUP-02": "SCM-PURCH",
    "SUP-03": "EHS-ENV",
    "SUP-04": "EHS-INC",
}


def _register_process(code: str, title: str) -> Process | None:
    process = Process._base_manager.filter(code__in=(code, MAP_OF_PROCESS.get(code, code))).order_by("pk").first()
    if process is not None:
        return process
    try:
        from . import demo_register

        codes = getattr(demo_register, "DEMO_PROCESS_CODES", {})
    except ImportError:  # pragma: no cover - the register part ships with the app
        codes = {}
    for other_code, spec in codes.items():
        name = spec[0] if isinstance(spec, tuple | list) else str(spec)
        if name.strip().lower() == title.strip().lower():
            return Process._base_manager.filter(code=other_code).first()
    return Process._base_manager.filter(name__iexact=title).first()


def _seed_map(code: str) -> str:
    number, title, lanes, _steps, _flows = OUTLINES[code]
    author = _person(AUTHOR)
    document = ControlledDocument._base_manager.filter(number=number).first()
    created = document is None
    if created:
        document = maps.map_create(
            actor=author,
            number=number,
            title=title,
            sites=Site.objects.filter(is_active=True).order_by("code"),
            owner=author,
            disciplines=list(DISCIPLINES.get(code, (Discipline.QUALITY,))),
            functions=Function.objects.filter(name__in=lanes, is_active=True),
            bpmn=(SAMPLES / f"{code}.bpmn").read_bytes(),
            effective_date=timezone.localdate(),
        )
    versions = list(DocumentVersion._base_manager.filter(document=document).order_by("number"))
    status = versions[-1].get_status_display().lower()
    if len(versions) == 1 and versions[0].status != VersionStatus.EFFECTIVE and versions[0].author_id == author.pk:
        status = _effective(versions[0]).get_status_display().lower()
    process = _register_process(code, title)
    linked = ""
    if process is not None and process.map_document_id != document.pk:
        maps.map_link_process(process=process, document=document)
        linked = f", map of {process.code}"
    return f"{number} {'created' if created else 'kept'} ({status}{linked})"


@transaction.atomic
def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    maps.maps_ready()
    results = [_seed_map(code) for code in OUTLINES]
    made = sum(1 for r in results if " created " in r)
    return f"process maps: {made} created, {len(results) - made} kept"
