"""The table of CAPAs."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import BaseTable

from .models import Capa


class CapaTable(BaseTable):
    reference = tables.Column(linkify=True)
    title = tables.Column()
    site = tables.Column(order_by=("site__code",), accessor="site__code")
    source = tables.Column()
    state = tables.Column()
    risk_band = tables.Column(verbose_name=_("Risk"))
    owner = tables.Column(order_by=("owner__last_name",))
    opened_at = tables.DateColumn(verbose_name=_("Opened"))
    is_overdue = tables.BooleanColumn(verbose_name=_("Overdue"), orderable=False)

    class Meta(BaseTable.Meta):
        model = Capa
        fields = ("reference", "title", "site", "source", "state", "risk_band", "owner", "opened_at")

    def render_risk_band(self, record, value):
        return format_html('<span data-risk="{}">{} ({})</span>', record.risk_band, value, record.risk_score or "—")
