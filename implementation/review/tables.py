"""Table of the management review list."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ims.web.tables import BaseTable

from .models import ManagementReview


class ReviewTable(BaseTable):
    reference = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column(linkify=True)
    site = tables.Column(order_by=("site__code",), default=_("Company-wide"))
    period_start = tables.DateColumn(format="Y-m-d", verbose_name=_("Period from"))
    period_end = tables.DateColumn(format="Y-m-d", verbose_name=_("to"))
    meeting_date = tables.DateColumn(format="Y-m-d")
    chair = tables.Column(order_by=("chair__last_name", "chair__first_name"))
    status = tables.Column()

    class Meta(BaseTable.Meta):
        model = ManagementReview
        fields = ("reference", "title", "site", "period_start", "period_end", "meeting_date", "chair", "status")

    def render_site(self, record):
        return record.site.code

    def render_chair(self, record):
        return record.chair.display_name
