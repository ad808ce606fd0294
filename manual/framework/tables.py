"""Tables of the IMS framework: the procedure register, procedure records and the monitoring plan."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline
from ims.documents.models import ControlledDocument
from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge

from .models import MonitoringPlanItem, ProcedureRecord

DISCIPLINES = dict(Discipline.choices)


class ProcedureTable(BaseTable):
    number = tables.Column(
        linkify=lambda record: reverse("framework:procedure_detail", args=[record.pk]),
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )
    title = tables.Column(linkify=lambda record: reverse("framework:procedure_detail", args=[record.pk]))
    disciplines = tables.Column(orderable=False, verbose_name=_("Disciplines"))
    standards_covered = tables.Column(empty_values=(), orderable=False, verbose_name=_("Standards covered"))
    clause_count = tables.Column(verbose_name=_("Clauses"), attrs={"td": {"class": "text-end"}})
    records_count = tables.Column(verbose_name=_("Records"), attrs={"td": {"class": "text-end"}})
    raci_roles = tables.Column(empty_values=(), orderable=False, verbose_name=_("RACI roles"), attrs=OPTIONAL)
    effective_number = tables.Column(empty_values=(), verbose_name=_("Effective"), attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = ControlledDocument
        fields = (
            "number",
            "title",
            "disciplines",
            "standards_covered",
            "clause_count",
            "records_count",
            "raci_roles",
            "effective_number",
        )

    def render_disciplines(self, value):
        return format_html_join(
            " ", '<span class="badge text-bg-light border">{}</span>', ((DISCIPLINES.get(d, d),) for d in value)
        )

    def render_standards_covered(self, value):
        return ", ".join(sorted(value or [])) or "—"

    def render_raci_roles(self, value):
        order = {"R": 0, "A": 1, "C": 2, "I": 3}
        return "; ".join(sorted(value or [], key=lambda cell: (order.get(cell[:1], 9), cell))) or "—"

    def render_effective_number(self, value):
        return f"v{value}" if value else "—"


class ProcedureRecordTable(BaseTable):
    name = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    document = tables.Column(
        order_by=("document__number",), verbose_name=_("Procedure"), accessor="document__number",
        linkify=lambda record: reverse("framework:procedure_detail", args=[record.document_id]),
    )  # fmt: skip
    form_document = tables.Column(order_by=("form_document__number",), accessor="form_document__number")
    retention = tables.Column()
    location = tables.Column(attrs=OPTIONAL)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = ProcedureRecord
        fields = ("name", "document", "form_document", "retention", "location", "is_active")

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class MonitoringPlanTable(BaseTable):
    measure = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    process = tables.Column(order_by=("process__code",), accessor="process__code", verbose_name=_("Process"))
    objective = tables.Column(order_by=("objective__title",), verbose_name=_("KPI (objective)"), attrs=OPTIONAL)
    frequency = tables.Column()
    responsible_role = tables.Column(order_by=("responsible_role__name",), verbose_name=_("Responsible"))
    reported_to = tables.Column()
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = MonitoringPlanItem
        fields = ("measure", "process", "objective", "frequency", "responsible_role", "reported_to", "is_active")

    def render_objective(self, record):
        objective = record.objective
        site = objective.site.code if objective.site_id else _("company")
        return format_html("{} <span class='text-body-secondary'>({})</span>", objective.title, site)

    def render_responsible_role(self, record):
        person = record.responsible_person
        if person is None:
            return record.responsible_role.name
        return format_html("{} · {}", record.responsible_role.name, person.display_name)

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))
