"""Computed KPI of step 4: training compliance — the share of required trainings that are current, per site.

Reads the compliance figures the training app keeps (``training.matrix.compliance_summary``) for all sites at once;
the denominator is the number of trainings required, so the KPI is drawn as a p-chart.
"""

from __future__ import annotations

import datetime

from ims.indicators.kpi_sources import KpiSource, SourceValue, register_source

from .matrix import compliance_summary


def training_compliance(*, site_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, SourceValue]:
    if not site_ids:
        return {}
    summary = compliance_summary(site_ids=list(site_ids))
    return {
        row["site_id"]: SourceValue(float(row["percent"]), int(row["required"]))
        for row in summary["by_site"]
        if row.get("required") and row.get("percent") is not None
    }


register_source(
    KpiSource(
        key="training_compliance",
        label="Training compliance",
        unit="%",
        direction="higher",
        compute=training_compliance,
        description="Share of the trainings required at the site that are current.",
    )
)
