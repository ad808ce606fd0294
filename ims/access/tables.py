"""The table of inspector grants."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import status_pill

from .choices import GrantStatus
from .models import InspectorGrant

#: Status → badge style: the grants that open something now stand out.
STATUS_STYLE = {
    GrantStatus.SCHEDULED: "info",
    GrantStatus.ACTIVE: "success",
    GrantStatus.EXPIRED: "warning",
    GrantStatus.ENDED: "muted",
}


def grant_status_badge(grant: InspectorGrant):
    status = grant.status
    return status_pill(STATUS_STYLE[status], GrantStatus(status).label)


class InspectorGrantTable(BaseTable):
    inspector = tables.Column(linkify=lambda record: record.get_absolute_url(),
                              order_by=("inspector__last_name", "inspector__first_name"))  # fmt: skip
    agency = tables.Column()
    reference = tables.Column()
    site_codes = tables.Column(verbose_name=_("Sites"))
    valid_from = tables.DateTimeColumn(format="Y-m-d H:i T", verbose_name=_("Access from"))
    valid_until = tables.DateTimeColumn(format="Y-m-d H:i T", verbose_name=_("Access until"))
    status = tables.Column(empty_values=(), orderable=False, verbose_name=_("Status"))
    granted_by = tables.Column(order_by=("granted_by__last_name",), attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = InspectorGrant
        fields = ("inspector", "agency", "reference", "site_codes", "valid_from", "valid_until", "status",
                  "granted_by")  # fmt: skip

    def render_status(self, record):
        return grant_status_badge(record)
