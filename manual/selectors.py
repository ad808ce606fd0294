"""Reads of the manual: the manuals a person may see, the version shown, its rendering, what changed since approval."""

from __future__ import annotations

from django.db.models import QuerySet

from ims.access.permissions import user_can
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion

from .models import ManualSnapshot, SiteAnnex
from .rendering import RenderedManual, SourceChange, changes_since_approval, from_snapshot, render_live

#: Versions shown from their snapshot: signed content never changes with the data behind it.
FROZEN_STATUSES = (VersionStatus.APPROVED, VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED, VersionStatus.RETIRED)


def manual_queryset(*, user) -> QuerySet:
    """The manuals ``user`` may see, with their versions (newest first)."""
    return (
        ControlledDocument.objects.restrict(user, "view")
        .filter(doc_type=DocumentType.MANUAL)
        .select_related("owner")
        .prefetch_related("sites")
        .order_by("number")
    )


def version_queryset(*, user) -> QuerySet:
    return (
        DocumentVersion.objects.restrict(user, "view")
        .filter(document__doc_type=DocumentType.MANUAL)
        .select_related("document", "author", "approved_by")
    )


def current_version(document: ControlledDocument, *, user) -> DocumentVersion | None:
    """The version ``user`` sees first: the effective one, else the newest they may see."""
    versions = version_queryset(user=user).filter(document=document)
    return versions.filter(status=VersionStatus.EFFECTIVE).first() or versions.order_by("-number").first()


def snapshot_of(version: DocumentVersion) -> ManualSnapshot | None:
    return ManualSnapshot.objects.filter(version_id=version.pk).select_related("rendered_by").first()


def visible_annex_sites(version: DocumentVersion, *, user) -> set[int]:
    """Sites whose annex of ``version`` ``user`` may read (an annex belongs to its site only)."""
    return set(SiteAnnex.objects.restrict(user, "view").filter(version=version).values_list("site_id", flat=True))


def manual_rendered(version: DocumentVersion, *, user) -> RenderedManual:
    """The snapshot for an approved (or later) version, a live rendering otherwise; annexes of the user's sites."""
    snapshot = snapshot_of(version) if version.status in FROZEN_STATUSES else None
    rendered = from_snapshot(snapshot) if snapshot is not None else render_live(version, user=user)
    return rendered.visible_to(visible_annex_sites(version, user=user))


def may_see_changes(version: DocumentVersion, *, user) -> bool:
    """What changed since approval is for the people who maintain the manual (they may start its next draft)."""
    return user_can(user, "change", version.document)


def changes_for(version: DocumentVersion, *, user) -> list[SourceChange] | None:
    """For a version shown from its snapshot: what its live blocks would show differently now (None otherwise).

    The blocks are rendered again as they were for the snapshot — with the visibility of the person it was
    rendered for — so that a reader who sees fewer sites is not told that records changed or vanished."""
    snapshot = snapshot_of(version) if version.status in FROZEN_STATUSES else None
    if snapshot is None or not may_see_changes(version, user=user):
        return None
    return changes_since_approval(snapshot, render_live(version, user=snapshot.rendered_by))


def annex_queryset(*, user) -> QuerySet:
    return SiteAnnex.objects.restrict(user, "view").select_related("site", "version__document")
