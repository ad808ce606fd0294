"""Readiness criterion of step 3: the site's annex of the IMS manual is in an effective manual version."""

from __future__ import annotations

import datetime

from django.urls import reverse

from ims.documents.choices import VersionStatus
from ims.indicators.readiness import CriterionValue, ReadinessCriterion, register_criterion

from .models import SiteAnnex


def manual_annex_effective(
    *, site_ids: list[int], on: datetime.date, threshold: float | None
) -> dict[int, CriterionValue]:
    rows = SiteAnnex._base_manager.filter(site_id__in=list(site_ids)).values_list(
        "site_id", "version__status", "version__document__number", "version__number"
    )
    effective: dict[int, str] = {}
    drafted: set[int] = set()
    for site_id, status, number, version in rows:
        if status == VersionStatus.EFFECTIVE:
            effective[site_id] = f"{number} v{version}"
        else:
            drafted.add(site_id)
    url = reverse("manual:annex_list")
    out = {}
    for site_id in site_ids:
        if site_id in effective:
            out[site_id] = CriterionValue(1.0, True, f"The site annex is effective in {effective[site_id]}.", url)
        elif site_id in drafted:
            out[site_id] = CriterionValue(0.0, False, "The site annex is written but its manual is not effective.", url)
        else:
            out[site_id] = CriterionValue(None, False, "The manual has no annex for this site yet.", url)
    return out


register_criterion(
    ReadinessCriterion(
        key="manual_annex_effective",
        label="Site annex of the manual effective",
        step=3,
        evaluate=manual_annex_effective,
        description="The site's annex is part of an effective version of the IMS manual.",
    )
)
