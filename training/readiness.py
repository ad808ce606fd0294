"""Readiness criterion of step 4: training compliance of the site (the % current of the compliance page)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from ims.indicators.readiness import CriterionValue, ReadinessCriterion, register_criterion

from .matrix import compliance_summary


def training_compliance(
    *, site_ids: list[int], on: datetime.date, threshold: float | None
) -> dict[int, CriterionValue]:
    threshold = 90.0 if threshold is None else threshold
    summary = compliance_summary(site_ids=list(site_ids), on=on) if site_ids else {"by_site": []}
    by_site = {row["site_id"]: row for row in summary["by_site"]}
    url = reverse("training:compliance")
    out = {}
    for site_id in site_ids:
        row = by_site.get(site_id)
        if not row or not row.get("required"):
            out[site_id] = CriterionValue(None, False, "No training is required at this site yet.", url)
            continue
        percent = row["percent"]
        out[site_id] = CriterionValue(
            percent,
            percent >= threshold,
            f"{row['current']} of {row['required']} required trainings current ({percent:g} %), "
            f"{row['overdue']} overdue.",
            url,
        )
    return out


register_criterion(
    ReadinessCriterion(
        key="training_compliance",
        label="Training compliance",
        step=4,
        evaluate=training_compliance,
        description="Share of the trainings required at the site that are current.",
        threshold=90.0,
        unit="%",
    )
)
