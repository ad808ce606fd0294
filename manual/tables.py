"""The list of manuals."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from ims.documents.models import ControlledDocument
from ims.documents.tables import version_status_badge


class ManualTable(tables.Table):
    number = tables.Column(linkify=lambda record: reverse("manual:manual_detail", args=[record.pk]))
    title = tables.Column()
    sites = tables.Column(verbose_name=_("Sites"), orderable=False, empty_values=())
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"))
    effective_number = tables.Column(verbose_name=_("Effective"), empty_values=(None,), default="—")
    open_status = tables.Column(verbose_name=_("In work"), orderable=False, default="")
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = ControlledDocument
        fields = ("number", "title", "sites", "owner", "effective_number", "open_status", "review_due", "is_active")
        attrs = {"class": "table table-hover align-middle"}

    def render_effective_number(self, value):
        return f"v{value}"

    def render_open_status(self, value):
        return version_status_badge(value) if value else ""

    def render_sites(self, record):
        return format_html_join(
            " ", '<span class="badge site-badge">{}</span>', ((s.code,) for s in record.sites.all())
        )


class AnnexTable(tables.Table):
    site = tables.Column(
        accessor="site__code",
        verbose_name=_("Site"),
        linkify=lambda record: reverse("manual:annex_detail", args=[record.pk]),
    )
    manual = tables.Column(accessor="version__document__number", verbose_name=_("Manual"))
    version = tables.Column(accessor="version__number", verbose_name=_("Version"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"))

    class Meta:
        attrs = {"class": "table table-hover align-middle"}
        fields = ("site", "manual", "version", "updated_at")
