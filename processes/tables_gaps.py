"""Tables of gap assessments and statements of applicability."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ims.web.tables import BaseTable

from .models import ApplicabilityStatement, GapAssessment


class GapAssessmentTable(BaseTable):
    reference = tables.Column(linkify=True)
    title = tables.Column()
    site_codes = tables.Column(verbose_name=_("Sites"), orderable=False, empty_values=())
    standard_codes = tables.Column(verbose_name=_("Standards"), orderable=False, empty_values=())
    lead_assessor = tables.Column(order_by=("lead_assessor__last_name",))
    planned_start = tables.DateColumn(verbose_name=_("Start"))
    status = tables.Column()
    progress = tables.Column(verbose_name=_("Answered"), orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        model = GapAssessment
        fields = ("reference", "title", "site_codes", "standard_codes", "lead_assessor", "planned_start", "status")

    def render_site_codes(self, record):
        return ", ".join(site.code for site in record.sites.all())

    def render_standard_codes(self, record):
        return ", ".join(standard.code for standard in record.standards.all())

    def render_progress(self, record):
        total, answered = record.results_total or 0, record.results_answered or 0
        percent = round(100 * answered / total) if total else 0
        return format_html(
            '<div class="progress" role="progressbar" aria-label="{}" aria-valuenow="{}" aria-valuemin="0" '
            'aria-valuemax="100" style="min-width:6rem">'
            '<div class="progress-bar" style="width: {}%">{} / {}</div></div>',
            _("Answered"),
            percent,
            percent,
            answered,
            total,
        )


class ApplicabilityStatementTable(BaseTable):
    site = tables.Column(order_by=("site__code",))
    number = tables.Column(linkify=True, verbose_name=_("Version"))
    status = tables.Column()
    change_summary = tables.Column()
    approved_by = tables.Column()
    approved_at = tables.DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = ApplicabilityStatement
        fields = ("site", "number", "status", "change_summary", "approved_by", "approved_at")
