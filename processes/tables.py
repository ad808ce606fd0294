"""Tables of the standards library."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline
from ims.web.tables import OPTIONAL, BaseTable

from .models import Clause, DocumentClause, Standard

END = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class StandardTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    edition = tables.Column()
    title = tables.Column()
    kind = tables.Column(attrs=OPTIONAL)
    disciplines = tables.Column(orderable=False, attrs=OPTIONAL)
    clause_count = tables.Column(verbose_name=_("Clauses"), attrs=END, orderable=False)

    class Meta(BaseTable.Meta):
        model = Standard
        fields = ("code", "edition", "title", "kind", "disciplines", "clause_count")

    def render_disciplines(self, value):
        labels = dict(Discipline.choices)
        return ", ".join(str(labels.get(name, name)) for name in value) or "—"

    def render_clause_count(self, record, value):
        url = reverse("processes:clause_list") + "?" + urlencode({"standard": record.pk})
        return format_html('<a href="{}">{}</a>', url, value)


class ClauseTable(BaseTable):
    standard = tables.Column(
        linkify=lambda record: reverse("processes:standard_detail", args=[record.standard_id]),
        order_by=("standard__code", "standard__edition"),
        attrs={"td": {"class": "text-nowrap"}},
    )
    number = tables.Column(order_by=("standard__code", "position"), attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column()
    summary = tables.Column(verbose_name=_("Requirement in brief"), orderable=False, attrs={"td": {"class": "small"}})
    mappings = tables.Column(verbose_name=_("Related clauses"), empty_values=(), orderable=False, attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = Clause
        fields = ("standard", "number", "title", "summary", "mappings")

    def render_mappings(self, record):
        related = [(m.get_relation_display(), m.target) for m in record.mappings_out.all()]
        related += [(m.get_relation_display(), m.source) for m in record.mappings_in.all()]
        if not related:
            return "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant tag
            "{} {} {}",
            ((relation, clause.standard, clause.number) for relation, clause in related),
        )


class DocumentClauseTable(BaseTable):
    document = tables.Column(
        linkify=lambda record: reverse("processes:documentclause_detail", args=[record.pk]),
        order_by=("document__number",),
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )
    clause = tables.Column(order_by=("clause__standard__code", "clause__position"))
    note = tables.Column(attrs=OPTIONAL, orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("In use"))

    class Meta(BaseTable.Meta):
        model = DocumentClause
        fields = ("document", "clause", "note", "is_active")

    def render_document(self, record):
        return f"{record.document.number} · {record.document.title}"
