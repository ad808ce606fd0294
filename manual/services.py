"""Every change to a manual's content goes through these functions (pages, API and the demo alike).

The manual is a controlled document of type manual: its lifecycle (submit, review, approve with e-signatures,
effective, new version) is the document-control kernel's. What this module adds is the content of a *draft*
version — sections, live blocks, site annexes — and the snapshot fixed on approval. Every edit recompiles the
version's signed Markdown body, so the approval signature binds the sections' text and blocks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ims.access.permissions import user_can
from ims.audit.context import audit_context
from ims.documents import services as document_services
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign.services import db_now
from ims.org.models import Site

from .blocks import block_get
from .choices import CLAUSE_SLOTS, SectionSlot
from .models import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex
from .rendering import compile_text, manual_sites, render_live, snapshot_sha256

SECTION_FIELDS = ("slot", "title", "body", "mandatory")
ANNEX_FIELDS = ("local_scope", "local_regulations", "local_roles")


# --- helpers -------------------------------------------------------------------------------------------------------


def _draft(actor, version: DocumentVersion) -> DocumentVersion:
    """The version locked, if it is a draft of a manual that ``actor`` may change."""
    locked = DocumentVersion._base_manager.select_for_update().select_related("document").get(pk=version.pk)
    if locked.document.doc_type != DocumentType.MANUAL:
        raise ValidationError(_("%(doc)s is not a manual.") % {"doc": locked.document.number})
    if not user_can(actor, "change", locked):
        raise PermissionDenied(_("You may not change this manual."))
    if locked.status != VersionStatus.DRAFT:
        raise document_services.TransitionNotAllowed(
            _("Version %(v)s is %(status)s; its content never changes. Start a new draft to change the manual.")
            % {"v": locked.number, "status": locked.get_status_display().lower()},
            code="invalid_transition",
        )
    return locked


def _recompile(version: DocumentVersion) -> None:
    """Write the sections' text into the version's body (the signed field)."""
    with audit_context(reason=_("Manual content changed")):
        DocumentVersion._base_manager.filter(pk=version.pk).update(body=compile_text(version), updated_at=db_now())


def _next_order(queryset) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 10


def _clean_block(*, actor, version, block_key: str, params: dict | None) -> dict:
    kind = block_get(block_key)
    return kind.validate(user=actor, sites=manual_sites(version), params=dict(params or {})) or {}


# --- Manuals --------------------------------------------------------------------------------------------------------


def manual_create(
    *,
    actor,
    number: str,
    title: str,
    owner,
    sites: Iterable,
    disciplines: Iterable[str] = (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS),
    effective_date: datetime.date | None = None,
    requires_acknowledgement: bool = True,
    functions: Iterable = (),
    roles: Iterable = (),
) -> ControlledDocument:
    """Register a manual; its first draft starts with the introduction and the mandatory clauses 4–10."""
    return document_services.document_create(
        actor=actor,
        number=number,
        title=title,
        doc_type=DocumentType.MANUAL,
        disciplines=list(disciplines),
        owner=owner,
        sites=sites,
        functions=functions,
        roles=roles,
        effective_date=effective_date,
        requires_acknowledgement=requires_acknowledgement,
    )


def content_start(version: DocumentVersion) -> None:
    """A new version was saved: copy the sections, blocks and annexes forward from the version before (or start
    the skeleton of clauses 4–10), then compile the body. Called by the kernel inside its transaction."""
    if ManualSection._base_manager.filter(version=version).exists():
        _recompile(version)
        return
    previous = (
        DocumentVersion._base_manager.filter(document_id=version.document_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is not None and ManualSection._base_manager.filter(version=previous).exists():
        _copy_forward(previous, version)
    else:
        ManualSection._base_manager.create(
            version=version, slot=SectionSlot.INTRODUCTION, order=10, title=str(_("Introduction"))
        )
        for index, slot in enumerate(CLAUSE_SLOTS, start=2):
            ManualSection._base_manager.create(
                version=version, slot=slot, order=index * 10, title=str(slot.label), mandatory=True
            )
    _recompile(version)


def _copy_forward(previous: DocumentVersion, version: DocumentVersion) -> None:
    sections = ManualSection._base_manager.filter(version=previous, is_active=True).order_by("order", "pk")
    for section in sections:
        blocks = list(SectionBlock._base_manager.filter(section=section, is_active=True).order_by("order", "pk"))
        copy = ManualSection._base_manager.create(
            version=version,
            slot=section.slot,
            order=section.order,
            title=section.title,
            body=section.body,
            mandatory=section.mandatory,
        )
        SectionBlock._base_manager.bulk_create(
            SectionBlock(section=copy, order=b.order, block_key=b.block_key, params=b.params) for b in blocks
        )
    SiteAnnex._base_manager.bulk_create(
        SiteAnnex(version=version, site_id=a.site_id, **{f: getattr(a, f) for f in ANNEX_FIELDS})
        for a in SiteAnnex._base_manager.filter(version=previous)
    )


# --- Sections -------------------------------------------------------------------------------------------------------


@transaction.atomic
def section_create(
    *, actor, version: DocumentVersion, slot: str, title: str, body: str = "", mandatory: bool = False
) -> ManualSection:
    version = _draft(actor, version)
    section = ManualSection(
        version=version,
        slot=slot,
        title=(title or "").strip(),
        body=body or "",
        mandatory=mandatory,
        order=_next_order(ManualSection._base_manager.filter(version=version)),
    )
    section.full_clean()
    section.save()
    _recompile(version)
    return section


@transaction.atomic
def section_update(*, actor, section: ManualSection, data: dict) -> ManualSection:
    version = _draft(actor, section.version)
    section = ManualSection._base_manager.select_for_update().get(pk=section.pk)
    for name in SECTION_FIELDS:
        if name in data:
            setattr(section, name, data[name] if data[name] is not None else "")
    section.title = section.title.strip()
    section.full_clean()
    section.save()
    _recompile(version)
    return section


@transaction.atomic
def section_move(*, actor, section: ManualSection, up: bool) -> ManualSection:
    """Swap the section with its neighbour above (``up``) or below."""
    version = _draft(actor, section.version)
    siblings = list(
        ManualSection._base_manager.select_for_update().filter(version=version, is_active=True).order_by("order", "pk")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.order != position * 10:
                sibling.order = position * 10
                sibling.save(update_fields=["order", "updated_at"])
        _recompile(version)
    return ManualSection._base_manager.get(pk=section.pk)


@transaction.atomic
def section_remove(*, actor, section: ManualSection) -> ManualSection:
    """Take a section out of the draft (kept, not deleted). Mandatory sections stay."""
    version = _draft(actor, section.version)
    section = ManualSection._base_manager.select_for_update().get(pk=section.pk)
    if section.mandatory:
        raise ValidationError(_("“%(t)s” is a mandatory section; it cannot be removed.") % {"t": section.title})
    section.is_active = False
    section.save(update_fields=["is_active", "updated_at"])
    _recompile(version)
    return section


# --- Live blocks ----------------------------------------------------------------------------------------------------


@transaction.atomic
def block_add(*, actor, section: ManualSection, block_key: str, params: dict | None = None) -> SectionBlock:
    """Place a live block in a section; its parameters must point at records ``actor`` may see."""
    version = _draft(actor, section.version)
    if not section.is_active:
        raise ValidationError(_("The section was removed from this draft."))
    cleaned = _clean_block(actor=actor, version=version, block_key=block_key, params=params)
    block = SectionBlock(
        section=section,
        block_key=block_key,
        params=cleaned,
        order=_next_order(SectionBlock._base_manager.filter(section=section)),
    )
    block.full_clean()
    block.save()
    _recompile(version)
    return block


@transaction.atomic
def block_update(*, actor, block: SectionBlock, params: dict | None) -> SectionBlock:
    version = _draft(actor, block.section.version)
    block = SectionBlock._base_manager.select_for_update().get(pk=block.pk)
    block.params = _clean_block(actor=actor, version=version, block_key=block.block_key, params=params)
    block.save(update_fields=["params", "updated_at"])
    _recompile(version)
    return block


@transaction.atomic
def block_remove(*, actor, block: SectionBlock) -> SectionBlock:
    version = _draft(actor, block.section.version)
    block = SectionBlock._base_manager.select_for_update().get(pk=block.pk)
    block.is_active = False
    block.save(update_fields=["is_active", "updated_at"])
    _recompile(version)
    return block


# --- Site annexes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def annex_save(*, actor, version: DocumentVersion, site, data: dict) -> SiteAnnex:
    """Create or change the annex of ``site`` (one of the manual's sites) on a draft."""
    version = _draft(actor, version)
    if not version.document.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": _("Site %(s)s is not in the manual's scope.") % {"s": site.code}})
    annex = SiteAnnex._base_manager.select_for_update().filter(version=version, site=site).first()
    if annex is None:
        annex = SiteAnnex(version=version, site=site)
    if not Site.objects.restrict(actor, "view").filter(pk=site.pk).exists():
        raise PermissionDenied(_("You may not change the annex of site %(s)s.") % {"s": site.code})
    for name in ANNEX_FIELDS:
        if name in data:
            setattr(annex, name, data[name] or "")
    annex.full_clean()
    annex.save()
    _recompile(version)
    return annex


# --- Approval -------------------------------------------------------------------------------------------------------


def approval_check(version: DocumentVersion) -> None:
    """An approved manual has text (or a live block) in every mandatory section."""
    empty = [
        s.title
        for s in ManualSection._base_manager.filter(version=version, is_active=True, mandatory=True).order_by("order")
        if not s.body.strip() and not s.blocks.filter(is_active=True).exists()
    ]
    if empty:
        raise ValidationError(
            _("The manual cannot be approved: the mandatory section(s) %(names)s are empty. Write their text first.")
            % {"names": ", ".join(f"“{t}”" for t in empty)},
            code="mandatory_section_empty",
        )


def snapshot_create(version: DocumentVersion, *, actor) -> ManualSnapshot:
    """Render the approved version once, as its approver sees it, into the immutable snapshot.

    Called by the kernel inside the approval's transaction, so the snapshot exists before the version can become
    effective and is rolled back with the approval if the signature fails.
    """
    existing = ManualSnapshot.objects.filter(version=version).first()
    if existing is not None:
        return existing
    rendered = render_live(version, user=actor)
    core = str(rendered.core_html)
    return ManualSnapshot.objects.create(
        version=version,
        core_html=core,
        annexes=rendered.annexes,
        sources=rendered.sources,
        toc=rendered.toc,
        sha256=snapshot_sha256(core_html=core, annexes=rendered.annexes, sources=rendered.sources),
        rendered_by=actor,
    )


def new_draft_start(*, actor, document: ControlledDocument, change_summary: str) -> DocumentVersion:
    """ "Start a new draft" from the changed-since-approval notice: the kernel's new version (sections copy forward)."""
    return document_services.version_create(actor=actor, document=document, change_summary=change_summary)
