"""Computed KPI of step 6 on internal audits: findings per audit — the findings raised by the audits completed in
the period, divided by those audits, per site (two grouped queries for all sites asked)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source

from .choices import AuditStatus, FindingStatus
from .models import Audit, Finding


def findings_per_audit(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    audits = Audit._base_manager.filter(
        site_id__in=list(site_ids), completed_at__date__gte=start, completed_at__date__lte=end
    ).exclude(status=AuditStatus.CANCELLED)
    per_site = dict(audits.order_by().values("site_id").annotate(n=Count("pk")).values_list("site_id", "n"))
    findings = dict(
        Finding._base_manager.filter(audit__in=audits)
        .filter(~Q(status=FindingStatus.CANCELLED))
        .order_by()
        .values("audit__site_id")
        .annotate(n=Count("pk"))
        .values_list("audit__site_id", "n")
    )
    return {site_id: SourceValue(round(findings.get(site_id, 0) / n, 2)) for site_id, n in per_site.items() if n}


register_source(
    KpiSource(
        key="findings_per_audit",
        label="Audit findings per audit",
        unit="findings",
        direction="lower",
        compute=findings_per_audit,
        description="Findings raised by the internal audits completed in the period, per audit.",
    )
)
