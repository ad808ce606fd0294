"""Acknowledgement coverage: who has read and acknowledged the effective versions, per site, function, document.

Coverage counts the live tasks (open and acknowledged) of effective versions of active documents, through
``restrict(user, "view")``, so a site's quality manager sees their sites only. Every grouping is one query.

States: *acknowledged*; *overdue* (open past its due date); *in progress* (opened, not yet signed, not
overdue); *not started* (never opened, not overdue).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import VersionStatus

from .models import Acknowledgement, AcknowledgementStatus

STATES: tuple[tuple[str, str], ...] = (
    ("acknowledged", _("Acknowledged")),
    ("in_progress", _("Read, not signed")),
    ("not_started", _("Not started")),
    ("overdue", _("Overdue")),
)
STATE_KEYS = tuple(key for key, _label in STATES)


def live_tasks(queryset: QuerySet) -> QuerySet:
    """Of ``queryset``, the tasks coverage counts: open and acknowledged, of effective versions of active documents."""
    return queryset.filter(
        status__in=[AcknowledgementStatus.OPEN, AcknowledgementStatus.ACKNOWLEDGED],
        version__status=VersionStatus.EFFECTIVE,
        version__document__is_active=True,
    )


def coverage_tasks(*, user, document_id: int | None = None) -> QuerySet:
    """The live tasks of effective versions that ``user`` may view (optionally of one document)."""
    queryset = live_tasks(Acknowledgement.objects.restrict(user, "view"))
    if document_id is not None:
        queryset = queryset.filter(version__document_id=document_id)
    return queryset


def state_filter(state: str, on: datetime.date | None = None) -> Q:
    on = on or timezone.localdate()
    open_q = Q(status=AcknowledgementStatus.OPEN)
    return {
        "acknowledged": Q(status=AcknowledgementStatus.ACKNOWLEDGED),
        "overdue": open_q & Q(due_date__lt=on),
        "in_progress": open_q & Q(due_date__gte=on, opened_at__isnull=False),
        "not_started": open_q & Q(due_date__gte=on, opened_at__isnull=True),
    }[state]


def _aggregates(on: datetime.date) -> dict:
    counts = {key: Count("pk", filter=state_filter(key, on)) for key in STATE_KEYS}
    return {"total": Count("pk"), **counts}


def _finish(row: dict) -> dict:
    total = row["total"]
    row["percent"] = round(100.0 * row["acknowledged"] / total, 1) if total else None
    return row


def coverage_totals(queryset: QuerySet, on: datetime.date | None = None) -> dict:
    return _finish(queryset.aggregate(**_aggregates(on or timezone.localdate())))


def coverage_sum(rows: list[dict]) -> dict:
    """The totals of grouped rows (saves a second pass over the tasks when the rows cover them all)."""
    totals = {key: sum(row[key] for row in rows) for key in ("total", *STATE_KEYS)}
    return _finish(totals)


def coverage_grouped(queryset: QuerySet, *fields: str, on: datetime.date | None = None) -> list[dict]:
    """One row per value of ``fields`` with the counts of each state and the % acknowledged (one query)."""
    rows = queryset.order_by().values(*fields).annotate(**_aggregates(on or timezone.localdate())).order_by(*fields)
    return [_finish(dict(row)) for row in rows]


VERSION_SITE_FIELDS = (
    "version_id",
    "version__document__number",
    "version__document__title",
    "version__number",
    "site_id",
    "site__code",
)


def tasks_at_sites(*, site_ids, distributed_before: datetime.datetime | None = None) -> QuerySet:
    """The live tasks at ``site_ids`` (of distributions made before ``distributed_before``): what the coverage per
    version and site counts."""
    tasks = live_tasks(Acknowledgement._base_manager.filter(site_id__in=list(site_ids)))
    if distributed_before is not None:
        tasks = tasks.filter(distribution__created_at__lt=distributed_before)
    return tasks


def coverage_by_version_and_site(
    *, site_ids, distributed_before: datetime.datetime | None = None, on: datetime.date | None = None
) -> QuerySet:
    """Per effective version × site of ``site_ids``: the counts of each state, ordered by document and site.

    No user scope (the evidence pack's sites were checked when it was asked for). A queryset of dicts, so that a
    caller pages it in the database; ``coverage_row`` adds the % acknowledged to a row.
    """
    return (
        tasks_at_sites(site_ids=site_ids, distributed_before=distributed_before)
        .order_by()
        .values(*VERSION_SITE_FIELDS)
        .annotate(**_aggregates(on or timezone.localdate()))
        .order_by("version__document__number", "version__number", "site__code", "version_id", "site_id")
    )


def coverage_row(row: dict) -> dict:
    return _finish(dict(row))


def coverage_by_site(*, user, document_id: int | None = None) -> list[dict]:
    return coverage_grouped(coverage_tasks(user=user, document_id=document_id), "site_id", "site__code", "site__name")


def coverage_by_function(*, user, site_id: int, document_id: int | None = None) -> list[dict]:
    return coverage_grouped(
        coverage_tasks(user=user, document_id=document_id).filter(site_id=site_id),
        "function_id",
        "function__code",
        "function__name",
    )


def coverage_by_document(*, user, site_id: int | None = None, function_id: int | None = None) -> list[dict]:
    queryset = coverage_tasks(user=user)
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if function_id is not None:
        queryset = queryset.filter(function_id=function_id)
    return coverage_grouped(
        queryset, "version__document_id", "version__document__number", "version__document__title", "version__number"
    )


def coverage_people(
    *,
    user,
    site_id: int | None = None,
    function_id: int | None = None,
    document_id: int | None = None,
    state: str | None = None,
) -> QuerySet:
    """The tasks behind the figures, for the drill-down to people (overdue first)."""
    queryset = coverage_tasks(user=user, document_id=document_id)
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if function_id is not None:
        queryset = queryset.filter(function_id=function_id)
    if state in STATE_KEYS:
        queryset = queryset.filter(state_filter(state))
    return queryset.select_related("person", "site", "function", "version__document").order_by(
        "status", "due_date", "person__last_name", "person__first_name", "pk"
    )


def my_tasks(*, person) -> QuerySet:
    """A person's own open tasks, overdue first (their own, whatever their roles let them see)."""
    return (
        Acknowledgement._base_manager.filter(
            person=person, status=AcknowledgementStatus.OPEN, version__status=VersionStatus.EFFECTIVE
        )
        .select_related("version__document")
        .order_by("due_date", "pk")
    )


def my_recent_acknowledgements(*, person, limit: int = 20) -> QuerySet:
    return (
        Acknowledgement._base_manager.filter(person=person, status=AcknowledgementStatus.ACKNOWLEDGED)
        .select_related("version__document")
        .order_by("-acknowledged_at")[:limit]
    )
