"""Tables of the KPI pages."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge

from .models import Kpi, KpiSignal, Reading


class KpiTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    name = tables.Column(linkify=True)
    discipline = tables.Column()
    target = tables.Column(empty_values=(), orderable=False, verbose_name=_("Target"))
    data_source = tables.Column(verbose_name=_("Source"))
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sites"), attrs=OPTIONAL)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Kpi
        fields = ("code", "name", "discipline", "target", "data_source", "owner", "sites", "is_active")

    def render_target(self, record):
        return record.target_display()

    def render_owner(self, record):
        return record.owner.display_name

    def render_sites(self, record):
        return format_html_join(
            " ", '<span class="badge site-badge">{}</span>', ((site.code,) for site in record.sites.all())
        )

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class ReadingTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name=_("Reading"))
    kpi = tables.Column(linkify=True, order_by=("kpi__code",), verbose_name=_("KPI"))
    site = tables.Column(order_by=("site__code",))
    period_start = tables.DateColumn(format="Y-m", verbose_name=_("Period"))
    value = tables.Column(attrs={"td": {"class": "text-end"}})
    denominator = tables.Column(attrs=OPTIONAL)
    channel = tables.Column(attrs=OPTIONAL)
    is_void = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Reading
        fields = ("id", "kpi", "site", "period_start", "value", "denominator", "channel", "is_void")

    def render_kpi(self, record):
        return record.kpi.code

    def render_site(self, record):
        return record.site.code

    def render_value(self, value):
        return format(value.normalize(), "f")

    def render_is_void(self, value):
        return active_badge(not value, off=_("Voided"))


class SignalTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name=_("Signal"))
    kpi = tables.Column(linkify=lambda record: record.chart_url(), order_by=("kpi__code",), verbose_name=_("KPI"))
    site = tables.Column(order_by=("site__code",))
    period = tables.DateColumn(accessor="reading__period_start", format="Y-m", verbose_name=_("Period"))
    rule = tables.Column()
    capa_reference = tables.Column(verbose_name=_("CAPA"))

    class Meta(BaseTable.Meta):
        model = KpiSignal
        fields = ("id", "kpi", "site", "period", "rule", "capa_reference")

    def render_kpi(self, record):
        return record.kpi.code

    def render_site(self, record):
        return record.site.code
