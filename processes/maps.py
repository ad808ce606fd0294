"""Process maps: controlled documents of type "process map" whose versions hold BPMN 2.0 XML.

The lifecycle (draft → review → approval with e-signatures → effective → superseded, retire) is the
document-control kernel's (``ims.documents.services``); this module adds what is particular to maps:

- ``maps_ready()`` registers the "process map" content kind with the kernel, so its pages, PDF and diff
  show the diagram and the steps table instead of Markdown, and the body only takes valid BPMN;
- services: ``map_create`` (a new map from a file or a blank pool with one lane per function),
  ``map_version_save`` (the modeler's or an upload's BPMN, with the modeler's SVG, into a draft),
  ``map_import`` (a file as the next draft of a map), ``map_new_version``;
- selectors: ``maps_visible``, ``map_display_version``, ``map_diagram``.

``MapDiagram`` (the SVG, steps and the BPMN's SHA-256) is written whenever a draft's BPMN is saved; once
a version leaves draft its diagram never changes.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ims.access.permissions import user_can
from ims.audit.context import audit_context
from ims.documents import selectors as document_selectors
from ims.documents import services as document_services
from ims.documents.choices import OPEN_STATUSES, DocumentType, VersionStatus
from ims.documents.content_kinds import content_kind_register
from ims.documents.models import ControlledDocument, DocumentVersion

from .bpmn import ParsedMap, blank_bpmn, bpmn_parse, bpmn_sha256, bpmn_svg, step_line
from .models import MapDiagram, Process
from .models.maps import DiagramSource
from .svg import svg_sanitise

# --- Parsing (one parse per content, even when the kernel validates and then saves it) -------------------------

_LAST_PARSED: dict[str, ParsedMap] = {}


def map_parse(data: bytes | str) -> ParsedMap:
    """``bpmn_parse`` with a one-entry memo: validating then deriving the same text parses it once."""
    text_key = bpmn_sha256(data) if isinstance(data, str) else None
    if text_key and text_key in _LAST_PARSED:
        return _LAST_PARSED[text_key]
    parsed = bpmn_parse(data)
    _LAST_PARSED.clear()
    _LAST_PARSED[parsed.sha256] = parsed
    return parsed


# --- The content kind --------------------------------------------------------------------------------------------


def map_diagram(version: DocumentVersion) -> MapDiagram | None:
    """The diagram of ``version`` (the caller has checked that the version may be viewed)."""
    return MapDiagram._base_manager.filter(version=version).first()


def _steps(version: DocumentVersion) -> list[dict]:
    diagram = map_diagram(version)
    if diagram is not None and diagram.bpmn_sha256 == bpmn_sha256(version.body):
        return diagram.steps
    if not version.body.strip():
        return []
    try:
        return map_parse(version.body).steps
    except ValidationError:
        return []


def map_version_html(version: DocumentVersion) -> SafeString:
    diagram = map_diagram(version)
    return render_to_string(
        "processes/maps/_diagram.html",
        {
            "svg": mark_safe(diagram.svg) if diagram else "",  # noqa: S308 - sanitised or drawn by the server
            "steps": diagram.steps if diagram else _steps(version),
            "version": version,
        },
    )


def map_diff_lines(version: DocumentVersion) -> list[str]:
    return [step_line(step) for step in _steps(version)]


def map_pdf_context(version: DocumentVersion) -> dict:
    diagram = map_diagram(version)
    svg_uri = ""
    if diagram is not None:
        svg_uri = "data:image/svg+xml;base64," + base64.b64encode(diagram.svg.encode("utf-8")).decode("ascii")
    html = render_to_string(
        "processes/maps/_diagram_pdf.html", {"svg_uri": svg_uri, "steps": _steps(version), "version": version}
    )
    return {"body_html": mark_safe(html)}  # noqa: S308 - a template's escaped output


def map_body_validate(text: str) -> None:
    try:
        map_parse(text)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from error


def map_body_saved(version: DocumentVersion) -> None:
    """Keep the draft's diagram in step with its BPMN (the kernel calls this after saving content)."""
    if version.status != VersionStatus.DRAFT or not version.body.strip():
        return
    sha = bpmn_sha256(version.body)
    current = map_diagram(version)
    if current is not None and current.bpmn_sha256 == sha:
        return
    # A new version starts from the latest one's content: keep its diagram (the modeler's drawing).
    previous = (
        MapDiagram._base_manager.filter(version__document_id=version.document_id, bpmn_sha256=sha)
        .exclude(version=version)
        .order_by("-version__number")
        .first()
    )
    if previous is not None:
        _diagram_write(version, svg=previous.svg, source=previous.svg_source, steps=previous.steps, sha256=sha)
        return
    parsed = map_parse(version.body)
    _diagram_write(version, svg=bpmn_svg(parsed), source=DiagramSource.SERVER, steps=parsed.steps, sha256=sha)


def map_edit_url(version: DocumentVersion) -> str:
    return reverse("processes:map_edit", args=[version.pk])


def maps_ready() -> None:
    """Register the "process map" content kind with document control (from ``ProcessesConfig.ready``)."""
    content_kind_register(
        DocumentType.PROCESS_MAP,
        render=map_version_html,
        diff_lines=map_diff_lines,
        pdf_context=map_pdf_context,
        validate=map_body_validate,
        saved=map_body_saved,
        edit_url=map_edit_url,
    )


# --- Services ----------------------------------------------------------------------------------------------------


def _diagram_write(version: DocumentVersion, *, svg: str, source: str, steps: list, sha256: str) -> MapDiagram:
    if version.status != VersionStatus.DRAFT:
        raise document_services.TransitionNotAllowed(
            _("Version %(v)s is %(status)s: its diagram never changes. Start a new version to change the map.")
            % {"v": version.number, "status": version.get_status_display().lower()},
            code="invalid_transition",
        )
    diagram = MapDiagram._base_manager.filter(version=version).first()
    if diagram is None:
        return MapDiagram._base_manager.create(
            version=version, svg=svg, svg_source=source, steps=steps, bpmn_sha256=sha256
        )
    diagram.svg, diagram.svg_source, diagram.steps, diagram.bpmn_sha256 = svg, source, steps, sha256
    diagram.save(update_fields=["svg", "svg_source", "steps", "bpmn_sha256", "updated_at"])
    return diagram


def _require_map(document: ControlledDocument) -> None:
    if document.doc_type != DocumentType.PROCESS_MAP:
        raise ValidationError(_("%(doc)s is not a process map.") % {"doc": document.number})


@transaction.atomic
def map_create(
    *,
    actor,
    number: str,
    title: str,
    sites: Iterable,
    owner,
    disciplines: list[str],
    functions: Iterable = (),
    bpmn: bytes | str | None = None,
    effective_date: datetime.date | None = None,
    review_interval_months: int = 24,
) -> ControlledDocument:
    """Register a process map with its first draft: the uploaded BPMN, or a blank pool named after the map
    with one lane per chosen function (lanes = functions)."""
    functions = list(functions)
    if bpmn:
        parsed = map_parse(bpmn)
    else:
        parsed = map_parse(blank_bpmn(title=title or number, lanes=[f.name for f in functions]))
    return document_services.document_create(
        actor=actor,
        number=number,
        title=title,
        doc_type=DocumentType.PROCESS_MAP,
        disciplines=disciplines,
        owner=owner,
        sites=sites,
        functions=functions,
        review_interval_months=review_interval_months,
        body=parsed.xml,
        effective_date=effective_date,
        requires_acknowledgement=False,
    )


@transaction.atomic
def map_version_save(
    *, actor, version: DocumentVersion, bpmn: bytes | str, svg: bytes | str | None = None, reason: str = ""
) -> DocumentVersion:
    """Save BPMN (and the modeler's SVG, sanitised) into a draft; without an SVG the server draws one.

    Bad BPMN or SVG raises ``ValidationError`` and changes nothing; a version that left draft is refused.
    """
    locked = DocumentVersion._base_manager.select_for_update().select_related("document").get(pk=version.pk)
    _require_map(locked.document)
    if not user_can(actor, "change", locked):
        raise PermissionDenied(_("You may not change this version."))
    if locked.status != VersionStatus.DRAFT:
        raise document_services.TransitionNotAllowed(
            _("Version %(v)s is %(status)s and never changes; start a new version to change the map.")
            % {"v": locked.number, "status": locked.get_status_display().lower()},
            code="invalid_transition",
        )
    parsed = map_parse(bpmn)
    if svg:
        drawing, source = svg_sanitise(svg), DiagramSource.MODELER
    else:
        drawing, source = bpmn_svg(parsed), DiagramSource.SERVER
    _diagram_write(locked, svg=drawing, source=source, steps=parsed.steps, sha256=parsed.sha256)
    with audit_context(reason=(reason or "").strip() or _("Process map saved")):
        return document_services.version_update(actor=actor, version=locked, data={"body": parsed.xml})


@transaction.atomic
def map_import(
    *, actor, document: ControlledDocument, bpmn: bytes | str, change_summary: str = "", reason: str = ""
) -> DocumentVersion:
    """A ``.bpmn`` file as the map's next draft: a new version (with its change summary), or, when a draft
    is already open, that draft's new content (with a reason for change)."""
    _require_map(document)
    parsed = map_parse(bpmn)
    open_version = document.versions.filter(status__in=OPEN_STATUSES).first()
    if open_version is not None:
        if open_version.status != VersionStatus.DRAFT:
            raise document_services.TransitionNotAllowed(
                _("Version %(v)s is %(status)s; import after it is approved, or return it to draft.")
                % {"v": open_version.number, "status": open_version.get_status_display().lower()},
                code="version_open",
            )
        reason = (reason or change_summary or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Say why the draft's content is replaced (reason for change).")})
        return map_version_save(actor=actor, version=open_version, bpmn=parsed.xml, reason=reason)
    return document_services.version_create(
        actor=actor, document=document, change_summary=change_summary, body=parsed.xml
    )


def map_new_version(*, actor, document: ControlledDocument, change_summary: str) -> DocumentVersion:
    """Start the next draft from the latest version's BPMN (and its diagram)."""
    _require_map(document)
    return document_services.version_create(actor=actor, document=document, change_summary=change_summary)


@transaction.atomic
def map_link_process(*, process: Process, document: ControlledDocument) -> None:
    """Name ``document`` as the map of ``process`` (used by the demo; the register's pages own the field)."""
    _require_map(document)
    if process.map_document_id != document.pk:
        process.map_document = document
        process.save(update_fields=["map_document", "updated_at"])


# --- Selectors ---------------------------------------------------------------------------------------------------


def maps_visible(*, user) -> QuerySet:
    """The process maps ``user`` may view, with their effective / open version and linked processes."""
    return document_selectors.with_version_summary(
        ControlledDocument.objects.restrict(user, "view").filter(doc_type=DocumentType.PROCESS_MAP)
    ).prefetch_related(
        Prefetch("mapped_processes", queryset=Process._base_manager.filter(is_active=True).order_by("code"))
    )


def map_display_version(*, document: ControlledDocument, user) -> DocumentVersion | None:
    """The version a reader is shown: the effective one, else the latest they may view."""
    versions = document_selectors.document_versions(document=document, user=user)
    return versions.filter(status=VersionStatus.EFFECTIVE).first() or versions.first()
