"""The base table of every list page (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

FILTER_PARAMETERS_IGNORED = {"page", "per_page", "sort"}
# Columns a phone can do without (hidden below 768 px).
OPTIONAL = {"th": {"class": "col-optional"}, "td": {"class": "col-optional"}}


class BaseTable(tables.Table):
    """Base: bootstrap classes and an empty state that says whether filters hid the rows."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        plural = self._meta.model._meta.verbose_name_plural
        filtered = request is not None and any(
            value for key, value in request.GET.items() if key not in FILTER_PARAMETERS_IGNORED
        )
        if filtered:
            self.empty_text = _("No %(things)s match these filters.") % {"things": plural}
        else:
            self.empty_text = _("No %(things)s yet.") % {"things": plural}

    class Meta:
        attrs = {"class": "table table-hover align-middle mb-0"}
        # The list view bounds ``?per_page=`` (at most 100) and passes the result in; a field name
        # that no request carries keeps django-tables2 from reading the raw, unbounded value.
        per_page_field = "per_page_bounded_by_view"
