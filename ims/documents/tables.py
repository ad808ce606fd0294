"""Tables of the document pages (django-tables2). Everything a cell shows comes from the view's query."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge, status_pill

from .choices import VersionStatus
from .models import ControlledDocument, DocumentVersion

VERSION_STYLE = {
    VersionStatus.DRAFT: "muted",
    VersionStatus.IN_REVIEW: "info",
    VersionStatus.APPROVED: "info",
    VersionStatus.EFFECTIVE: "success",
    VersionStatus.SUPERSEDED: "muted",
    VersionStatus.RETIRED: "muted",
}


def version_status_badge(status: str):
    return status_pill(VERSION_STYLE.get(status, "muted"), VersionStatus(status).label if status else "")


class ControlledDocumentTable(BaseTable):
    number = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column(linkify=True)
    doc_type = tables.Column(verbose_name=_("Type"))
    disciplines = tables.Column(orderable=False, attrs=OPTIONAL)
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    effective_number = tables.Column(verbose_name=_("Effective"), empty_values=(None,), default="—")
    open_status = tables.Column(verbose_name=_("In work"), orderable=False, default="")
    review_due = tables.DateColumn(verbose_name=_("Review due"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = ControlledDocument
        fields = (
            "number",
            "title",
            "doc_type",
            "disciplines",
            "owner",
            "effective_number",
            "open_status",
            "review_due",
            "is_active",
        )

    def render_disciplines(self, record):
        return ", ".join(record.discipline_labels())

    def render_effective_number(self, value):
        return f"v{value}"

    def render_open_status(self, value):
        return version_status_badge(value) if value else ""

    def render_review_due(self, value, record):
        if value is None:
            return "—"
        if record.is_active and value < timezone.localdate():
            return format_html(
                '<span class="status-pill status-danger">{} · {}</span>', value.isoformat(), _("overdue")
            )
        return value.isoformat()

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class DocumentVersionTable(BaseTable):
    version = tables.Column(
        accessor="pk", linkify=True, order_by=("document__number", "-number"), verbose_name=_("Version")
    )
    title = tables.Column(accessor="document__title", verbose_name=_("Title"), attrs=OPTIONAL)
    status = tables.Column()
    author = tables.Column(order_by=("author__last_name",), attrs=OPTIONAL)
    effective_date = tables.DateColumn()
    change_summary = tables.Column(orderable=False, attrs={"td": {"class": "small text-truncate-2"}})

    class Meta(BaseTable.Meta):
        model = DocumentVersion
        fields = ("version", "title", "status", "author", "effective_date", "change_summary")

    def render_version(self, record):
        return str(record)

    def render_status(self, value, record):
        return version_status_badge(record.status)
