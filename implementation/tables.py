"""The plan list: site, status, readiness % and the next task due (both computed once for the page's rows)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import BaseTable

from .models import RolloutPlan


class RolloutPlanTable(BaseTable):
    site = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by=("site__code",))
    title = tables.Column(linkify=True)
    status = tables.Column()
    readiness = tables.Column(empty_values=(), orderable=False, verbose_name=_("Readiness"))
    next_task = tables.Column(empty_values=(), orderable=False, verbose_name=_("Next task due"))
    target_go_live = tables.Column()

    class Meta(BaseTable.Meta):
        model = RolloutPlan
        fields = ("site", "title", "status", "readiness", "next_task", "target_go_live")

    #: Filled by the list view for the rows of the page: plan id → PlanReadiness / Task.
    readiness_by_plan: dict = {}
    next_task_by_plan: dict = {}

    def render_site(self, record):
        return format_html('<span class="badge site-badge">{}</span> {}', record.site.code, record.site.name)

    def render_readiness(self, record):
        readiness = self.readiness_by_plan.get(record.pk)
        if readiness is None or readiness.percent is None:
            return "—"
        blocking = len(readiness.blocking)
        return format_html(
            '<span data-readiness="{}">{} %</span>{}', readiness.percent, readiness.percent,
            format_html(' <span class="badge text-bg-danger">{} blocking</span>', blocking) if blocking else "",
        )  # fmt: skip

    def render_next_task(self, record):
        task = self.next_task_by_plan.get(record.pk)
        if task is None:
            return "—"
        return format_html("{} · {}", task.due_date.isoformat(), task.title)
