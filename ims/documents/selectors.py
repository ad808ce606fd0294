"""Reads of the document register that span relations: lists, overdue reviews, version history, diffs."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.safestring import SafeString

from .choices import OPEN_STATUSES, VersionStatus
from .content import diff_side_by_side, diff_unified
from .content_kinds import version_diff_text
from .models import ControlledDocument, DocumentVersion
from .querysets import RELEASED_STATUSES


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


def versions_in_force(*, site_ids, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """The versions of the documents at ``site_ids`` that were in force at some moment of ``[start, end)``: made
    effective before ``end`` and neither superseded nor retired before ``start`` (no user scope: for the evidence
    pack of sites already checked). Ordered by document number and version."""
    documents = ControlledDocument._base_manager.filter(sites__in=list(site_ids)).values("pk")
    return (
        DocumentVersion._base_manager.filter(
            document__in=documents, status__in=RELEASED_STATUSES, effective_at__isnull=False, effective_at__lt=end
        )
        .exclude(superseded_at__lt=start)
        .exclude(retired_at__lt=start)
        .order_by("document__number", "number", "pk")
    )


def document_effective_version(document: ControlledDocument) -> DocumentVersion | None:
    return document.versions.filter(status=VersionStatus.EFFECTIVE).first()


def version_diff(*, old: DocumentVersion, new: DocumentVersion, mode: str = "side") -> SafeString:
    """The escaped HTML diff of two versions' Markdown: ``mode`` is ``"side"`` (side by side) or ``"unified"``."""
    labels = {"old_label": f"{old} ({old.get_status_display()})", "new_label": f"{new} ({new.get_status_display()})"}
    old_text, new_text = version_diff_text(old), version_diff_text(new)
    if mode == "unified":
        return diff_unified(old_text, new_text, **labels)
    return diff_side_by_side(old_text, new_text, **labels)


# --- Audience: who is in a document's scope ---------------------------------------------------------------------

_AUDIENCE_SQL = """
SELECT DISTINCT ON (v.id, m.person_id) v.id, m.person_id, m.site_id, m.function_id
FROM documents_documentversion v
JOIN documents_controlleddocument d ON d.id = v.document_id
JOIN documents_controlleddocument_sites ds ON ds.controlleddocument_id = d.id
JOIN org_membership m ON m.site_id = ds.site_id
JOIN org_person p ON p.id = m.person_id
JOIN org_role ro ON ro.id = m.role_id
WHERE v.status = 'effective' AND d.is_active AND {only_acknowledged}
  AND p.is_active
  AND m.valid_from <= %(on)s AND (m.valid_to IS NULL OR m.valid_to >= %(on)s)
  AND (NOT EXISTS (SELECT 1 FROM documents_controlleddocument_functions f WHERE f.controlleddocument_id = d.id)
       OR EXISTS (SELECT 1 FROM documents_controlleddocument_functions f
                  WHERE f.controlleddocument_id = d.id AND f.function_id = m.function_id))
  AND ((NOT ro.is_read_only
        AND NOT EXISTS (SELECT 1 FROM documents_controlleddocument_roles r WHERE r.controlleddocument_id = d.id))
       OR EXISTS (SELECT 1 FROM documents_controlleddocument_roles r
                  WHERE r.controlleddocument_id = d.id AND r.role_id = m.role_id))
  {filters}
ORDER BY v.id, m.person_id, m.valid_from, m.id
"""


def audience_rows(
    *,
    on: datetime.date,
    version_ids: list[int] | None = None,
    person_ids: list[int] | None = None,
    requires_acknowledgement: bool = True,
) -> list[tuple[int, int, int, int]]:
    """``(version, person, site, function)`` for every effective version and active person in its scope on ``on``.

    A person is in scope when one of their current memberships is at a site of the document and, where the
    document names functions or roles, in one of those functions and roles. A document that names no role
    reaches every role but the external read-only ones (inspectors). A person in scope through several
    memberships appears once, with the site and function of the earliest one. One SQL statement.
    """
    from django.db import connection

    filters = []
    params: dict = {"on": on}
    if version_ids is not None:
        filters.append("AND v.id = ANY(%(versions)s)")
        params["versions"] = list(version_ids)
    if person_ids is not None:
        filters.append("AND m.person_id = ANY(%(persons)s)")
        params["persons"] = list(person_ids)
    sql = _AUDIENCE_SQL.format(
        only_acknowledged="d.requires_acknowledgement" if requires_acknowledgement else "TRUE",
        filters="\n  ".join(filters),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
