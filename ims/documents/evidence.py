"""The document register of an inspector's evidence pack (section ``documents``).

A pack shows the versions that were in force at its sites during its period (``selectors.versions_in_force``):
the register entry, the version, its status now, dates, owner and the signature manifestations, and ships each
version's controlled copy as a PDF beside the pack. A part holds at most ``VERSIONS_PER_PART`` versions, since
every version renders a PDF of its own.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ims.esign.canonical import record_hash
from ims.esign.selectors import local_text, manifestation, signatures_by_record, viewer_timezone
from ims.org.models import Site
from ims.reports.manifest import attachment, manifest_records
from ims.reports.registry import EvidenceSection, PackScope, SectionPart, register_section
from ims.reports.render import page_slice, paged_keys, table_html

from .models import ControlledDocument, DocumentVersion
from .selectors import versions_in_force

SECTION_CODE = "documents"
SECTION_TITLE = "Document register"
#: Versions per part: each ships its controlled copy, so a part renders this many PDFs.
VERSIONS_PER_PART = 20


def scope_versions(scope: PackScope) -> QuerySet:
    return versions_in_force(site_ids=scope.site_ids, start=scope.period_start_dt, end=scope.period_end_dt)


def document_included(scope: PackScope) -> list[QuerySet]:
    versions = scope_versions(scope)
    return [ControlledDocument._base_manager.filter(pk__in=versions.values("document_id")), versions]


def document_parts(scope: PackScope) -> list[str]:
    return paged_keys(scope_versions(scope).count(), per_part=VERSIONS_PER_PART)


def copy_name(version: DocumentVersion) -> str:
    """The controlled copy's path in the bundle (a "/" of the document number would make a folder)."""
    return f"documents/{version.document.number.replace('/', '_')}-v{version.number}.pdf"


def _in_force_until(version: DocumentVersion, tz) -> str:
    ended = version.superseded_at or version.retired_at
    return local_text(ended, tz) if ended else _("in force")


def document_render(scope: PackScope, key: str) -> SectionPart:
    from .pdf import render_version_pdf  # WeasyPrint loads when a part renders, not when the app starts

    window = page_slice(key, per_part=VERSIONS_PER_PART)
    scope_sites = Site._base_manager.filter(pk__in=scope.site_ids).order_by("code")
    versions = list(
        scope_versions(scope)
        .select_related("document__owner")
        .prefetch_related(Prefetch("document__sites", queryset=scope_sites, to_attr="scope_sites"))[window]
    )
    viewer = scope.viewer()
    tz = viewer_timezone(viewer)
    signatures = signatures_by_record(DocumentVersion, [v.pk for v in versions])

    register_rows, signature_rows, attachments = [], [], []
    for version in versions:
        document = version.document
        register_rows.append(
            [
                document.number,
                document.title,
                document.get_doc_type_display(),
                ", ".join(site.code for site in document.scope_sites),
                version.number,
                version.get_status_display(),
                version.effective_date.isoformat() if version.effective_date else "—",
                _in_force_until(version, tz),
                document.review_due.isoformat() if document.review_due else "—",
                document.owner.display_name,
            ]
        )
        for signature in signatures.get(str(version.pk), []):
            shown = manifestation(signature, tz=tz, current_hash=record_hash(version, meaning=signature.meaning))
            signature_rows.append(
                [
                    f"{document.number} v{version.number}",
                    shown.printed_name,
                    shown.meaning_label + (_(" (content changed since signing)") if shown.record_changed else ""),
                    f"{local_text(signature.signed_at, tz)} ({shown.signed_at_utc})",
                    shown.reason,
                ]
            )
        attachments.append(
            attachment(
                name=copy_name(version),
                data=render_version_pdf(version, viewer=viewer),
                source=f"{DocumentVersion._meta.label_lower}:{version.pk}",
            )
        )

    first, last = window.start + 1, window.start + len(versions)
    span = f" {first}–{last}" if versions else ""
    html = table_html(
        title=_("Versions in force") + span,
        lead=_(
            "Versions of the controlled documents at the pack's sites that were in force between %(start)s and "
            "%(end)s; each version's controlled copy is in the bundle. Times in %(zone)s."
        )
        % {"start": scope.period_start, "end": scope.period_end, "zone": tz.key},
        columns=[
            _("Number"),
            _("Title"),
            _("Type"),
            _("Sites"),
            (_("Version"), True),
            _("Status"),
            _("Effective date"),
            _("In force until"),
            _("Periodic review due"),
            _("Owner"),
        ],
        rows=register_rows,
        empty=_("No controlled document was in force at these sites in this period."),
    ) + table_html(
        title=_("Electronic signatures of these versions"),
        columns=[_("Version"), _("Printed name"), _("Meaning"), _("Signed at"), _("Reason")],
        rows=signature_rows,
        empty=_("None of these versions is signed."),
    )
    documents = list({v.document_id: v.document for v in versions}.values())
    return SectionPart(
        title=SECTION_TITLE + span,
        html=html,
        records=manifest_records(documents) + manifest_records(versions, version_field="number"),
        attachments=attachments,
    )


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION_CODE,
            title=SECTION_TITLE,
            order=20,
            models=(ControlledDocument._meta.label_lower, DocumentVersion._meta.label_lower),
            parts=document_parts,
            render=document_render,
            description=(
                "The controlled documents at the pack's sites: every version in force during the period (made "
                "effective before its end, not superseded or retired before its start) with its status, dates, "
                "owner and signatures, and its controlled copy as PDF."
            ),
            pages=(
                ("Document register", "documents:document_list"),
                ("Document versions", "documents:version_list"),
                ("Periodic reviews overdue", "documents:review_overdue"),
            ),
            included=document_included,
        )
    )
