"""The demo company's IMS manual: written by us, with live blocks, the Basel and Cork annexes, approved with
e-signatures and effective, to be read and acknowledged by every employee. Idempotent: a second run finds the
manual and changes nothing; versions that demo users started are theirs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.documents import services as document_services
from ims.documents.choices import VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import demo_text as text
from . import services
from .blocks import blocks_all
from .choices import SectionSlot
from .models import ManualSection

NUMBER = "IMS-MAN-001"
TITLE = "Integrated Management System Manual"
AUTHOR, REVIEWER, APPROVER = "admin.global", "qm.basel", "compliance.basel"
#: Version 2: the Basel quality manager revises the manual, the compliance officer reviews it and the VP Global
#: Quality (who sees every site) approves it, so its snapshot holds the live blocks of all the sites in scope.
REVISER, REVIEWER_2, APPROVER_2 = "qm.basel", "compliance.basel", "admin.global"

BODIES = {
    SectionSlot.INTRODUCTION: text.INTRODUCTION,
    SectionSlot.CONTEXT: text.CONTEXT,
    SectionSlot.LEADERSHIP: text.LEADERSHIP,
    SectionSlot.PLANNING: text.PLANNING,
    SectionSlot.SUPPORT: text.SUPPORT,
    SectionSlot.OPERATION: text.OPERATION,
    SectionSlot.PERFORMANCE: text.PERFORMANCE,
    SectionSlot.IMPROVEMENT: text.IMPROVEMENT,
}
#: The manual's own blocks by clause; blocks registered by the framework and the register go where they hint.
BLOCKS = {
    SectionSlot.CONTEXT: ["process_landscape", "applicability"],
    SectionSlot.LEADERSHIP: ["ims_policy", "raci"],
    SectionSlot.PLANNING: ["objectives"],
}


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _sign(service, person, version, reason: str):
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )
    return service(
        actor=person, version=version, password=settings.IMS_DEMO_PASSWORD, username=person.username,
        reason=reason, session=None,
    )  # fmt: skip


def _mapped_process(author):
    from processes import register

    return (
        register.process_queryset().restrict(author, "view").filter(map_document__isnull=False).order_by("code").first()
    )


def _write(author, version: DocumentVersion) -> None:
    sections = {s.slot: s for s in ManualSection.objects.filter(version=version, is_active=True)}
    for slot, body in BODIES.items():
        services.section_update(actor=author, section=sections[slot], data={"body": body})
    placed = {key for keys in BLOCKS.values() for key in keys}
    for slot, keys in BLOCKS.items():
        for key in keys:
            services.block_add(actor=author, section=sections[slot], block_key=key)
    process = _mapped_process(author)
    if process is not None:
        services.block_add(
            actor=author,
            section=sections[SectionSlot.OPERATION],
            block_key="process_map",
            params={"process": process.pk},
        )
    placed.add("process_map")
    for block in blocks_all():  # the procedure register, risk summary and monitoring plan of the other step-3 apps
        if block.key not in placed and block.clause_hint in sections:
            try:
                services.block_add(actor=author, section=sections[block.clause_hint], block_key=block.key)
            except ValidationError:
                continue  # a block that needs a choice the seed cannot make
    for code, parts in text.ANNEXES.items():
        site = Site.objects.filter(code=code).first()
        if site is not None and version.document.sites.filter(pk=site.pk).exists():
            services.annex_save(actor=author, version=version, site=site, data=parts)


@transaction.atomic
def manual_demo_seed() -> str:
    if ControlledDocument._base_manager.filter(number=NUMBER).exists():
        return f"{NUMBER} unchanged"
    author = _person(AUTHOR)
    with audit_context(reason="Demo IMS manual"):
        document = services.manual_create(
            actor=author,
            number=NUMBER,
            title=TITLE,
            owner=author,
            sites=Site.objects.filter(is_active=True).order_by("code"),
            effective_date=timezone.localdate(),
            requires_acknowledgement=True,
        )
        version = document.versions.get()
        _write(author, version)
        version = document_services.version_submit(actor=author, version=version)
        _sign(document_services.version_review, _person(REVIEWER), version, "Reviewed: sections 4–10 and annexes")
        _sign(document_services.version_approve, _person(APPROVER), version, "Approved for release")
    _effective(version)
    reviser = _person(REVISER)
    with audit_context(reason="Demo IMS manual, company-wide revision"):
        revision = document_services.version_create(
            actor=reviser,
            document=document,
            change_summary="Live blocks fixed for every site in scope: approved by the VP Global Quality & IMS.",
            effective_date=timezone.localdate(),
        )
        leadership = ManualSection.objects.get(version=revision, slot=SectionSlot.LEADERSHIP, is_active=True)
        services.section_update(
            actor=reviser, section=leadership, data={"body": text.LEADERSHIP.rstrip() + "\n\n" + text.REVISION_NOTE}
        )
        revision = document_services.version_submit(actor=reviser, version=revision)
        _sign(document_services.version_review, _person(REVIEWER_2), revision, "Reviewed: company-wide revision")
        _sign(document_services.version_approve, _person(APPROVER_2), revision, "Approved for every site")
    revision = _effective(revision)
    return f"{NUMBER} v{revision.number} created ({revision.get_status_display().lower()}; v1 superseded)"


def _effective(version: DocumentVersion) -> DocumentVersion:
    version = DocumentVersion._base_manager.get(pk=version.pk)
    if version.status == VersionStatus.APPROVED:
        document_services.version_make_effective(version=version)
        version.refresh_from_db()
    return version
