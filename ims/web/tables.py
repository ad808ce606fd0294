"""The base table of every list page (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

FILTER_PARAMETERS_IGNORED = {"page", "per_page", "sort"}
# Columns a phone can do without (hidden below 768 px).
OPTIONAL = {"th": {"class": "col-optional"}, "td": {"class": "col-optional"}}


class CappedCountPaginator(Paginator):
    """Exact counts up to ``COUNT_CAP`` rows; past it, PostgreSQL's estimate (``is_estimate``), so that a page of
    a list over millions of rows never counts them all. The count reads at most ``COUNT_CAP + 1`` rows."""

    COUNT_CAP = 10_000
    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = _queryset_of(self.object_list)
        if queryset is None:
            return super().count
        # Unordered: the first COUNT_CAP + 1 rows in any order count the same, and the database may take the
        # cheapest scan instead of walking the list's order index past every row the user cannot see.
        exact = queryset.order_by()[: self.COUNT_CAP + 1].count()
        if exact <= self.COUNT_CAP:
            return exact
        self.is_estimate = True
        return max(self.COUNT_CAP + 1, _planner_rows(queryset))


def _queryset_of(object_list) -> QuerySet | None:
    """The queryset behind a list (django-tables2 pages its ``BoundRows``, whose data holds the queryset)."""
    if isinstance(object_list, QuerySet):
        return object_list
    data = getattr(getattr(object_list, "data", None), "data", None)
    return data if isinstance(data, QuerySet) else None


def _planner_rows(queryset) -> int:
    """The planner's estimate of how many rows ``queryset`` returns (EXPLAIN, nothing is read). ``restrict()``
    names the user's sites as literal ids, so the estimate uses the site column's statistics."""
    import json

    plan = json.loads(queryset.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class BaseTable(tables.Table):
    """Base: bootstrap classes and an empty state that says whether filters hid the rows."""

    def __init__(self, *args, request=None, **kwargs):
        # ``request`` only words the empty state: the list view configures (orders, pages) the table once with
        # ``RequestConfig``; django-tables2 would otherwise page it twice, counting the rows twice.
        super().__init__(*args, **kwargs)
        plural = self._meta.model._meta.verbose_name_plural
        filtered = request is not None and any(
            value for key, value in request.GET.items() if key not in FILTER_PARAMETERS_IGNORED
        )
        if filtered:
            self.empty_text = _("No %(things)s match these filters.") % {"things": plural}
        else:
            self.empty_text = _("No %(things)s yet.") % {"things": plural}

    def paginate(self, paginator_class=None, *args, **kwargs):
        """Every table counts at most ``COUNT_CAP + 1`` rows (an estimate past it)."""
        return super().paginate(paginator_class or CappedCountPaginator, *args, **kwargs)

    class Meta:
        attrs = {"class": "table table-hover align-middle mb-0"}
        # The list view bounds ``?per_page=`` (at most 100) and passes the result in; a field name
        # that no request carries keeps django-tables2 from reading the raw, unbounded value.
        per_page_field = "per_page_bounded_by_view"
