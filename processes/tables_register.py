"""Tables of the process register."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge

from .models import Process, ProcessInteraction


class ProcessTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    name = tables.Column(linkify=True)
    process_type = tables.Column(verbose_name=_("Type"))
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"))
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sites"))
    functions = tables.Column(empty_values=(), orderable=False, verbose_name=_("Functions"), attrs=OPTIONAL)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Process
        fields = ("code", "name", "process_type", "owner", "sites", "functions", "is_active")

    def render_owner(self, record):
        return record.owner.display_name

    def render_sites(self, record):
        return format_html_join(
            " ", '<span class="badge site-badge">{}</span>', ((site.code,) for site in record.sites.all())
        )

    def render_functions(self, record):
        return ", ".join(function.name for function in record.functions.all()) or "—"

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class ProcessInteractionTable(BaseTable):
    source = tables.Column(linkify=True, order_by=("source__code",), verbose_name=_("From"))
    target = tables.Column(linkify=True, order_by=("target__code",), verbose_name=_("To"))
    description = tables.Column()
    is_active = tables.Column(verbose_name=_("Status"))
    detail = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta(BaseTable.Meta):
        model = ProcessInteraction
        fields = ("source", "target", "description", "is_active", "detail")

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))

    def render_detail(self, record):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("processes:interaction_detail", args=[record.pk]), _("Open"))
