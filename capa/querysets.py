"""Chainable reads of CAPA: open, overdue, by state."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ims.access.querysets import RestrictedManager, RestrictedQuerySet

from .choices import ActionStatus, CapaState


class CapaQuerySet(RestrictedQuerySet):
    def open(self) -> CapaQuerySet:
        return self.exclude(state=CapaState.CLOSED)

    def overdue(self, on: datetime.date | None = None) -> CapaQuerySet:
        """Open CAPAs with an action open past its due date."""
        on = on or timezone.localdate()
        return self.filter(actions__status=ActionStatus.OPEN, actions__due_date__lt=on).distinct()


class CapaActionQuerySet(RestrictedQuerySet):
    def open(self) -> CapaActionQuerySet:
        return self.filter(status=ActionStatus.OPEN)

    def overdue(self, on: datetime.date | None = None) -> CapaActionQuerySet:
        return self.open().filter(due_date__lt=on or timezone.localdate())


CapaManager = RestrictedManager.from_queryset(CapaQuerySet)
CapaActionManager = RestrictedManager.from_queryset(CapaActionQuerySet)
ChildManager = RestrictedManager.from_queryset(RestrictedQuerySet)
