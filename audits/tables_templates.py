"""Table of the checklist templates (the question count is the view's annotation)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ims.web.tables import BaseTable

from .models import ChecklistTemplate


class ChecklistTemplateTable(BaseTable):
    name = tables.Column(linkify=True)
    is_default = tables.BooleanColumn(verbose_name=_("Default"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))
    question_count = tables.Column(verbose_name=_("Questions"), attrs={"td": {"class": "text-end"}})

    class Meta(BaseTable.Meta):
        model = ChecklistTemplate
        fields = ("name", "is_default", "is_active", "question_count")
