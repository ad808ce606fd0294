"""What the feedback pages, the API and the management review read: always from ``restrict(user, "view")``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, QuerySet
from django.db.models.functions import TruncMonth

from .choices import OPEN_STATUSES, FeedbackKind, FeedbackStatus
from .models import FeedbackItem


def feedback_queryset() -> QuerySet:
    return FeedbackItem.objects.select_related("site", "function", "submitter", "triaged_by")


def feedback_visible(*, user, site_ids=None, start: datetime.date | None = None, end: datetime.date | None = None):
    """The items ``user`` may see, optionally for some sites and a period (``submitted_at`` dates, inclusive)."""
    queryset = FeedbackItem.objects.restrict(user, "view")
    if site_ids is not None:
        queryset = queryset.filter(site_id__in=list(site_ids))
    if start is not None:
        queryset = queryset.filter(submitted_at__date__gte=start)
    if end is not None:
        queryset = queryset.filter(submitted_at__date__lte=end)
    return queryset


def feedback_mine(*, person) -> QuerySet:
    """A reporter's own named items (anonymous ones are nobody's: they cannot be found again)."""
    if not getattr(person, "is_authenticated", False):
        return FeedbackItem.objects.none()
    return FeedbackItem._base_manager.filter(submitter=person).select_related("site").order_by("-submitted_at")


@dataclass
class FeedbackStatistics:
    total: int = 0
    open: int = 0
    anonymous: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    #: (site code, site name) → kind → count
    by_site: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    #: first day of month → kind → count
    by_month: dict[datetime.date, dict[str, int]] = field(default_factory=dict)
    #: site code → average days from submission to triage (decided items only)
    response_days_by_site: dict[str, float] = field(default_factory=dict)
    response_days: float | None = None
    response_days_max: float | None = None

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "open": self.open,
            "anonymous": self.anonymous,
            "by_kind": self.by_kind,
            "by_status": self.by_status,
            "by_site": [{"site": code, "name": name, **kinds} for (code, name), kinds in self.by_site.items()],
            "by_month": [{"month": month.strftime("%Y-%m"), **kinds} for month, kinds in self.by_month.items()],
            "response_days": self.response_days,
            "response_days_max": self.response_days_max,
            "response_days_by_site": self.response_days_by_site,
        }


def _days(delta: datetime.timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 86400, 1)


def feedback_statistics(*, queryset: QuerySet) -> FeedbackStatistics:
    """Counts per kind, status, site and month, and time to response, in a few aggregate queries."""
    stats = FeedbackStatistics()
    queryset = queryset.order_by()
    for row in queryset.values("kind", "status").annotate(n=Count("id")):
        stats.total += row["n"]
        stats.by_kind[row["kind"]] = stats.by_kind.get(row["kind"], 0) + row["n"]
        stats.by_status[row["status"]] = stats.by_status.get(row["status"], 0) + row["n"]
        if row["status"] in OPEN_STATUSES:
            stats.open += row["n"]
    stats.anonymous = queryset.filter(submitter__isnull=True).count()
    by_site: dict = defaultdict(dict)
    for row in queryset.values("site__code", "site__name", "kind").annotate(n=Count("id")).order_by("site__code"):
        by_site[(row["site__code"], row["site__name"])][row["kind"]] = row["n"]
    stats.by_site = dict(by_site)
    by_month: dict = defaultdict(dict)
    monthly = queryset.annotate(month=TruncMonth("submitted_at")).values("month", "kind").annotate(n=Count("id"))
    for row in monthly.order_by("month"):
        by_month[row["month"].date() if hasattr(row["month"], "date") else row["month"]][row["kind"]] = row["n"]
    stats.by_month = dict(by_month)
    response = ExpressionWrapper(F("triaged_at") - F("submitted_at"), output_field=DurationField())
    decided = queryset.filter(triaged_at__isnull=False).annotate(response=response)
    overall = decided.aggregate(avg=Avg("response"), longest=Max("response"))
    stats.response_days = _days(overall["avg"])
    stats.response_days_max = _days(overall["longest"])
    for row in decided.values("site__code").annotate(avg=Avg("response")).order_by("site__code"):
        stats.response_days_by_site[row["site__code"]] = _days(row["avg"])
    return stats


KIND_COLOURS = {
    FeedbackKind.SUGGESTION: "#0969da",
    FeedbackKind.CONCERN: "#bf8700",
    FeedbackKind.NEAR_MISS: "#cf222e",
    FeedbackKind.UNSAFE_CONDITION: "#8250df",
}
STATUS_LABELS = dict(FeedbackStatus.choices)
KIND_LABELS = dict(FeedbackKind.choices)
