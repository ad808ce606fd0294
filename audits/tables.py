"""Tables of programmes, audits and findings (every cell from the view's select_related)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable

from .models import Audit, AuditProgramme, Finding


class AuditProgrammeTable(BaseTable):
    title = tables.Column(linkify=True)
    year = tables.Column()
    site_codes = tables.Column(verbose_name=_("Sites"), orderable=False, empty_values=())
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta(BaseTable.Meta):
        model = AuditProgramme
        fields = ("title", "year", "site_codes", "is_active")

    def render_site_codes(self, record):
        codes = [site.code for site in record.sites.all()]
        return ", ".join(codes[:8]) + (f" … (+{len(codes) - 8})" if len(codes) > 8 else "")


class AuditTable(BaseTable):
    reference = tables.Column(linkify=True)
    title = tables.Column()
    site = tables.Column(accessor="site__code", order_by=("site__code",), verbose_name=_("Site"))
    planned_date = tables.DateColumn(verbose_name=_("Planned"))
    lead_auditor = tables.Column(order_by=("lead_auditor__last_name",), attrs=OPTIONAL)
    status = tables.Column()

    class Meta(BaseTable.Meta):
        model = Audit
        fields = ("reference", "title", "site", "planned_date", "lead_auditor", "status")


class FindingTable(BaseTable):
    reference = tables.Column(linkify=True)
    grade = tables.Column()
    site = tables.Column(accessor="site__code", order_by=("site__code",), verbose_name=_("Site"))
    clause = tables.Column(order_by=("clause__standard__code", "clause__position"))
    process = tables.Column(accessor="process__code", verbose_name=_("Process"), attrs=OPTIONAL)
    raised_on = tables.DateColumn()
    status = tables.Column()
    action_ref = tables.Column(verbose_name=_("CAPA"), attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = Finding
        fields = ("reference", "grade", "site", "clause", "process", "raised_on", "status", "action_ref")
