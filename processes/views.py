"""Pages of step 2: the standards and regulations library (read by every active user)."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from ims.web.views import ObjectListView

from .filtersets import ClauseFilterSet, StandardFilterSet
from .models import Clause, ClauseMapping, Standard
from .tables import ClauseTable, StandardTable


class StandardListView(ObjectListView):
    queryset = Standard.objects.annotate(clause_count=Count("clauses"))
    table_class = StandardTable
    filterset_class = StandardFilterSet
    title = _("Standards and regulations")
    add_url_name = "processes:standard_import"
    export_fields = ("id", "code", "edition", "title", "kind", "disciplines", "is_active")


class ClauseListView(ObjectListView):
    queryset = Clause.objects.select_related("standard").prefetch_related(
        Prefetch("mappings_out", ClauseMapping.objects.select_related("target__standard")),
        Prefetch("mappings_in", ClauseMapping.objects.select_related("source__standard")),
    )
    table_class = ClauseTable
    filterset_class = ClauseFilterSet
    title = _("Clauses")
    export_fields = ("id", "standard__code", "standard__edition", "number", "title", "summary")
