"""The audit trail page and its exports (P11-10e, A11-9).

Only people holding ``audit.view_auditevent`` (at a site or globally) open it; they see the events
of their sites' records and of company-wide records (``AuditEvent.objects.restrict``). An
inspector's every read — page, export — is itself recorded in the trail.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2 import RequestConfig

from ims.web.exports import SafeCsvWriter
from ims.web.tables import CappedCountPaginator
from ims.web.views import MAX_PER_PAGE, ObjectListView, _bounded_int

from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .selectors import EXPORT_COLUMNS, TRAIL_LABEL, export_records, inspector_read_log, trail_readable_by
from .tables import AuditEventTable

TRAIL_PER_PAGE = 50
EXPORT_FORMATS = ("csv", "json")


class AuditTrailPaginator(CappedCountPaginator):
    """The trail counts exactly up to 1,000 events, then shows the planner's estimate: its rows are wide and a
    site user's filter matches events spread over the whole table, so counting 10,000 of them reads as many
    pages of the table as it has rows (120 ms at 6 M events, 12 ms for 1,000)."""

    COUNT_CAP = 1_000


class _Echo:
    def write(self, value):
        return value


class AuditTrailView(ObjectListView):
    queryset = AuditEvent.objects.all()
    table_class = AuditEventTable
    filterset_class = AuditEventFilterSet
    template_name = "audit/trail.html"
    title = gettext_lazy("Audit trail")

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return trail_readable_by(user=user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not read the audit trail."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, action=None):
        return super().get_queryset(action).order_by("-id")

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        queryset = self.filtered_queryset(filterset)
        export = request.GET.get("export")
        filters = filterset.applied() if filterset is not None else {}
        if export in EXPORT_FORMATS:
            inspector_read_log(
                user=request.user,
                label=TRAIL_LABEL,
                pk="trail",
                detail={"view": "export", "format": export, "filters": filters},
            )
            return self.export_json(queryset) if export == "json" else self.export_csv(queryset)
        table = self.table_class(queryset, request=request)
        per_page = _bounded_int(request.GET.get("per_page"), TRAIL_PER_PAGE, 1, MAX_PER_PAGE)
        paginate = {"per_page": per_page, "paginator_class": AuditTrailPaginator}
        RequestConfig(request, paginate=paginate).configure(table)
        table.prepare(user=request.user)
        inspector_read_log(
            user=request.user,
            label=TRAIL_LABEL,
            pk="trail",
            detail={"view": "trail", "page": table.page.number, "filters": filters},
        )
        context = self.get_context_data(table=table, filterset=filterset, **kwargs)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_export"] = True
        return context

    def _filename(self, extension: str) -> str:
        return f"audit-trail-{timezone.now():%Y%m%dT%H%M%SZ}.{extension}"

    def export_csv(self, queryset) -> StreamingHttpResponse:
        """Every matching event (no page limit), streamed; UTF-8 with BOM; old/new values as JSON."""
        writer = SafeCsvWriter(_Echo())

        def rows():
            yield "\ufeff"
            yield writer.writerow(EXPORT_COLUMNS)
            for record in export_records(queryset):
                yield writer.writerow([_csv_cell(record[column]) for column in EXPORT_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self._filename("csv")}"'
        return response

    def export_json(self, queryset) -> StreamingHttpResponse:
        """Every matching event as one JSON array, streamed."""

        def chunks():
            yield "[\n"
            first = True
            for record in export_records(queryset):
                yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False, default=str)
                first = False
            yield "\n]\n"

        response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self._filename("json")}"'
        return response


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)
