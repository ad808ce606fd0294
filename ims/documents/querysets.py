"""Chainable reads of controlled documents and versions (on top of ``restrict()``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ims.access.querysets import RestrictedManager, RestrictedQuerySet

from .choices import OPEN_STATUSES, VersionStatus

#: What an inspector may read of a document's versions.
RELEASED_STATUSES = (VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED, VersionStatus.RETIRED)


class ControlledDocumentQuerySet(RestrictedQuerySet):
    def active(self) -> ControlledDocumentQuerySet:
        return self.filter(is_active=True)

    def review_overdue(self, on: datetime.date | None = None) -> ControlledDocumentQuerySet:
        """Active documents whose periodic review was due before ``on`` (today)."""
        on = on or timezone.localdate()
        return self.active().filter(review_due__lt=on)

    def review_due_by(self, on: datetime.date) -> ControlledDocumentQuerySet:
        return self.active().filter(review_due__lte=on)


class DocumentVersionQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> DocumentVersionQuerySet:
        """As every record, plus: a read-only inspector sees what was released (effective, superseded,
        retired), never drafts or versions still in review or awaiting their effective date."""
        from ims.access.permissions import is_inspector_only

        rows = super().restrict(user, action)
        if is_inspector_only(user):
            rows = rows.filter(status__in=RELEASED_STATUSES)
        return rows

    def effective(self) -> DocumentVersionQuerySet:
        return self.filter(status=VersionStatus.EFFECTIVE)

    def open(self) -> DocumentVersionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def due_to_become_effective(self, on: datetime.date | None = None) -> DocumentVersionQuerySet:
        on = on or timezone.localdate()
        return self.filter(status=VersionStatus.APPROVED, effective_date__lte=on)


class ControlledDocumentManager(RestrictedManager.from_queryset(ControlledDocumentQuerySet)):
    pass


class DocumentVersionManager(RestrictedManager.from_queryset(DocumentVersionQuerySet)):
    pass
