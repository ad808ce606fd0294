"""The table of the request board (the quality manager's view over the inspections they may see)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import status_pill

from .models import InspectionRequest, RequestStatus

STATUS_STYLE = {RequestStatus.REQUESTED: "warning", RequestStatus.IN_PREPARATION: "info",
                RequestStatus.PROVIDED: "success"}  # fmt: skip


def request_status_badge(request: InspectionRequest):
    return status_pill(STATUS_STYLE[request.status], request.get_status_display())


class InspectionRequestTable(BaseTable):
    number = tables.Column(verbose_name=_("No."), linkify=lambda record: record.get_absolute_url())
    subject = tables.Column(linkify=lambda record: record.get_absolute_url())
    grant = tables.Column(accessor="grant__reference", verbose_name=_("Inspection"), order_by=("grant__reference",))
    status = tables.Column()
    requested_at = tables.DateTimeColumn(format="Y-m-d H:i T")
    provided_at = tables.DateTimeColumn(format="Y-m-d H:i T", attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = InspectionRequest
        fields = ("number", "subject", "grant", "status", "requested_at", "provided_at")

    def render_number(self, value):
        return f"R{value}"

    def render_status(self, record):
        return request_status_badge(record)
