"""Tables of the register and the obligations."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge

from .models import ComplianceEvaluation, Control, Obligation, RiskEntry

BAND_CLASS = {"high": "text-bg-danger", "medium": "text-bg-warning", "low": "text-bg-success"}
RESULT_CLASS = {"compliant": "text-bg-success", "partly": "text-bg-warning", "non_compliant": "text-bg-danger"}


def band_badge(band: str, label: str, score=None):
    if not band:
        return "—"
    text = f"{score} · {label}" if score is not None else label
    return format_html('<span class="badge {}" data-band="{}">{}</span>', BAND_CLASS.get(band, ""), band, text)


class RiskEntryTable(BaseTable):
    reference = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column(linkify=True)
    kind = tables.Column(verbose_name=_("Kind"))
    site = tables.Column(order_by=("site__code",))
    process = tables.Column(order_by=("process__code",), attrs=OPTIONAL)
    inherent_score = tables.Column(verbose_name=_("Inherent"))
    residual_score = tables.Column(verbose_name=_("Residual"))
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    review_date = tables.Column(verbose_name=_("Review"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = RiskEntry
        fields = ("reference", "title", "kind", "site", "process", "inherent_score", "residual_score", "owner",
                  "review_date", "is_active")  # fmt: skip

    def render_site(self, record):
        return format_html('<span class="badge site-badge">{}</span>', record.site.code)

    def render_process(self, record):
        return record.process.code

    def render_owner(self, record):
        return record.owner.display_name

    def render_inherent_score(self, record):
        return band_badge(record.inherent_band, record.get_inherent_band_display(), record.inherent_score)

    def render_residual_score(self, record):
        return band_badge(record.residual_band, record.get_residual_band_display(), record.residual_score)

    def render_review_date(self, record):
        if record.is_overdue:
            return format_html('<span class="text-danger fw-semibold" data-overdue>{} ({})</span>',
                               record.review_date, _("overdue"))  # fmt: skip
        return record.review_date

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class ControlTable(BaseTable):
    entry = tables.Column(linkify=True, order_by=("entry__reference",))
    description = tables.Column(linkify=lambda record: record.get_absolute_url(), empty_values=())
    links = tables.Column(empty_values=(), orderable=False, verbose_name=_("Linked to"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Control
        fields = ("entry", "description", "links", "is_active")

    def render_entry(self, record):
        return record.entry.reference

    def render_description(self, record):
        return record.label or "—"

    def render_links(self, record):
        parts = []
        if record.procedure_id:
            parts.append(record.procedure.number)
        if record.course_id:
            parts.append(str(record.course))
        if record.capa_id:
            parts.append(record.capa.reference)
        return ", ".join(parts) or "—"

    def render_is_active(self, value):
        return active_badge(value, off=_("Retired"))


class ObligationTable(BaseTable):
    title = tables.Column(linkify=True)
    obligation_type = tables.Column(verbose_name=_("Type"))
    jurisdiction = tables.Column()
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sites"))
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    last_result = tables.Column(empty_values=(), orderable=False, verbose_name=_("Last evaluation"))
    next_evaluation = tables.Column(verbose_name=_("Next evaluation"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Obligation
        fields = ("title", "obligation_type", "jurisdiction", "sites", "owner", "last_result", "next_evaluation",
                  "is_active")  # fmt: skip

    def render_sites(self, record):
        return format_html_join(
            " ", '<span class="badge site-badge">{}</span>', ((s.code,) for s in record.sites.all())
        )

    def render_owner(self, record):
        return record.owner.display_name

    def render_last_result(self, record):
        result = getattr(record, "last_result", None)
        if not result:
            return "—"
        return format_html('<span class="badge {}">{}</span> {} {}', RESULT_CLASS.get(result, ""), result,
                           record.last_site_code or "", record.last_evaluated_on)  # fmt: skip

    def render_next_evaluation(self, record):
        if record.is_due:
            return format_html('<span class="text-danger fw-semibold" data-due>{} ({})</span>',
                               record.next_evaluation, _("due"))  # fmt: skip
        return record.next_evaluation

    def render_is_active(self, value):
        return active_badge(value, off=_("Withdrawn"))


class EvaluationTable(BaseTable):
    evaluated_on = tables.Column(linkify=True)
    obligation = tables.Column(linkify=True, order_by=("obligation__title",))
    site = tables.Column(order_by=("site__code",))
    result = tables.Column()
    evaluated_by = tables.Column(orderable=False)
    next_evaluation = tables.Column()

    class Meta(BaseTable.Meta):
        model = ComplianceEvaluation
        fields = ("evaluated_on", "obligation", "site", "result", "evaluated_by", "next_evaluation")

    def render_site(self, record):
        return record.site.code

    def render_result(self, record):
        return format_html('<span class="badge {}">{}</span>', RESULT_CLASS.get(record.result, ""),
                           record.get_result_display())  # fmt: skip

    def render_evaluated_by(self, record):
        return record.evaluated_by.display_name
