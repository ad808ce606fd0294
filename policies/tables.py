"""Tables of the objective pages. Health comes from the annotated latest reading: no query per row."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import status_pill

from .choices import Health, ObjectiveStatus
from .models import Objective, ObjectiveReading, Responsibility
from .models.objective import format_value

HEALTH_STYLE = {
    Health.ON_TRACK: "success",
    Health.AT_RISK: "warning",
    Health.OFF_TRACK: "danger",
    Health.NOT_MEASURED: "muted",
}
STATUS_STYLE = {
    ObjectiveStatus.DRAFT: "muted",
    ObjectiveStatus.ACTIVE: "info",
    ObjectiveStatus.ACHIEVED: "success",
    ObjectiveStatus.NOT_ACHIEVED: "danger",
    ObjectiveStatus.CANCELLED: "muted",
}


def health_pill(health: str):
    return status_pill(HEALTH_STYLE[Health(health)], Health(health).label)


def status_pill_of(status: str):
    return status_pill(STATUS_STYLE[ObjectiveStatus(status)], ObjectiveStatus(status).label)


def level_label(objective: Objective):
    if objective.site_id is None:
        return format_html('<span class="badge text-bg-light">{}</span>', _("Company"))
    if objective.function_id is None:
        return format_html('<span class="badge site-badge">{}</span>', objective.site.code)
    return format_html('<span class="badge site-badge">{}</span> {}', objective.site.code, objective.function.name)


class ObjectiveTable(BaseTable):
    title = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    level = tables.Column(empty_values=(), order_by=("site__code", "function__name"), verbose_name=_("Level"))
    target = tables.Column(empty_values=(), orderable=False, verbose_name=_("Target"))
    latest_value = tables.Column(
        verbose_name=_("Latest"), attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}
    )
    health = tables.Column(empty_values=(), orderable=False, verbose_name=_("Health"))
    status = tables.Column()
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    due_date = tables.DateColumn(verbose_name=_("Due"))

    class Meta(BaseTable.Meta):
        model = Objective
        fields = ("title", "level", "target", "latest_value", "health", "status", "owner", "due_date")

    def render_level(self, record):
        return level_label(record)

    def render_target(self, record):
        return record.target_display()

    def render_latest_value(self, value, record):
        return format_html('{} <span class="text-body-secondary small">{}</span>', format_value(value), record.unit)

    def render_health(self, record):
        return health_pill(record.health_on(latest_value=record.latest_value))

    def render_status(self, value, record):
        return status_pill_of(record.status)


class ObjectiveReadingTable(BaseTable):
    period_end = tables.DateColumn(linkify=True, verbose_name=_("Period ending"))
    objective = tables.Column(linkify=True, order_by=("objective__title",))
    value = tables.Column(attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
    comment = tables.Column(orderable=False, attrs=OPTIONAL)
    recorded_by = tables.Column(order_by=("recorded_by__last_name",), attrs=OPTIONAL)
    is_void = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = ObjectiveReading
        fields = ("period_end", "objective", "value", "comment", "recorded_by", "is_void")

    def render_value(self, value, record):
        return format_html(
            '{} <span class="text-body-secondary small">{}</span>', format_value(value), record.objective.unit
        )

    def render_is_void(self, value):
        return status_pill("muted", _("Voided")) if value else status_pill("success", _("Valid"))


class ResponsibilityTable(BaseTable):
    document = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by=("document__number",))
    role = tables.Column(order_by=("role__name",))
    assignment = tables.Column(verbose_name=_("Assignment"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = Responsibility
        fields = ("document", "role", "assignment", "updated_at")

    def render_assignment(self, value, record):
        if not record.assignment:
            return status_pill("muted", _("Cleared"))
        return format_html('<span class="badge text-bg-primary">{}</span> {}', record.assignment, value)
