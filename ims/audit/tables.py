"""The audit trail table. Its rows are prepared once per page (``prepare``), so cells run no queries."""

from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable

from .models import AuditEvent
from .selectors import EventRow, event_rows


class AuditEventTable(BaseTable):
    occurred_at = tables.Column(verbose_name=_("When"), orderable=False, attrs={"td": {"class": "text-nowrap small"}})
    record = tables.Column(verbose_name=_("Record"), accessor="model_label", orderable=False)
    action = tables.Column(verbose_name=_("Action"), orderable=False)
    actor_label = tables.Column(verbose_name=_("Who"), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"), orderable=False, attrs=OPTIONAL)
    reason = tables.Column(verbose_name=_("Reason"), orderable=False, attrs={"td": {"class": "small"}})
    changes = tables.Column(verbose_name=_("Changes"), accessor="changed_fields", orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        model = AuditEvent
        fields = ("occurred_at", "record", "action", "actor_label", "channel", "reason", "changes")
        row_attrs = {"data-event": lambda record: record.pk}

    def prepare(self, *, user) -> None:
        """Turn the events of the current page into plain language (a fixed number of queries)."""
        records = [row.record for row in self.paginated_rows]
        self._rows: dict[int, EventRow] = {row.event.pk: row for row in event_rows(events=records, user=user)}

    def _row(self, record) -> EventRow:
        return self._rows[record.pk]

    def render_occurred_at(self, record):
        row = self._row(record)
        return format_html(
            '<time datetime="{}">{}</time><div class="text-body-secondary">{}</div>',
            row.utc_iso,
            row.local_display,
            row.utc_iso,
        )

    def render_record(self, record):
        row = self._row(record)
        name = row.record_label or f"#{record.object_pk}"
        if row.record_url:
            return format_html('{}<br><a href="{}">{}</a>', row.record_type, row.record_url, name)
        return format_html("{}<br>{}", row.record_type, name)

    def render_action(self, record):
        return record.get_action_display()

    def render_actor_label(self, record):
        row = self._row(record)
        if row.actor_url:
            return format_html('<a href="{}">{}</a>', row.actor_url, record.actor_label)
        return record.actor_label

    def render_reason(self, value):
        return value or "—"

    def render_changes(self, record):
        return render_to_string("audit/includes/changes.html", {"row": self._row(record)})
