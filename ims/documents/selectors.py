"""Reads of the document register that span relations: lists, overdue reviews, version history, diffs."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.safestring import SafeString

from .choices import OPEN_STATUSES, VersionStatus
from .content import diff_side_by_side, diff_unified
from .models import ControlledDocument, DocumentVersion


def with_version_summary(queryset: QuerySet) -> QuerySet:
    """Annotate each document with its effective version's number and its open version's status (2 subqueries)."""
    versions = DocumentVersion._base_manager.filter(document=OuterRef("pk"))
    return queryset.select_related("owner").annotate(
        effective_number=Subquery(versions.filter(status=VersionStatus.EFFECTIVE).values("number")[:1]),
        open_status=Subquery(versions.filter(status__in=OPEN_STATUSES).order_by("-number").values("status")[:1]),
    )


def documents_review_overdue(*, user, on: datetime.date | None = None) -> QuerySet:
    """The documents ``user`` may view whose periodic review is overdue, most overdue first."""
    return (
        ControlledDocument.objects.restrict(user, "view")
        .review_overdue(on)
        .select_related("owner")
        .order_by("review_due", "number")
    )


def document_versions(*, document: ControlledDocument, user) -> QuerySet:
    """The version history of ``document`` that ``user`` may view, newest first."""
    return (
        DocumentVersion.objects.restrict(user, "view")
        .filter(document=document)
        .select_related("author", "approved_by")
        .order_by("-number")
    )


def document_effective_version(document: ControlledDocument) -> DocumentVersion | None:
    return document.versions.filter(status=VersionStatus.EFFECTIVE).first()


def version_diff(*, old: DocumentVersion, new: DocumentVersion, mode: str = "side") -> SafeString:
    """The escaped HTML diff of two versions' Markdown: ``mode`` is ``"side"`` (side by side) or ``"unified"``."""
    labels = {"old_label": f"{old} ({old.get_status_display()})", "new_label": f"{new} ({new.get_status_display()})"}
    if mode == "unified":
        return diff_unified(old.body, new.body, **labels)
    return diff_side_by_side(old.body, new.body, **labels)
