"""Readiness criterion of step 1: the IMS policy acknowledged by the people of the site.

Counts the live acknowledgement tasks of effective policy versions per site (the coverage rule of
``policies.coverage``), for every site asked in one query.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse

from ims.documents.choices import DocumentType
from ims.indicators.readiness import CriterionValue, ReadinessCriterion, register_criterion

from .coverage import live_tasks
from .models import Acknowledgement, AcknowledgementStatus


def policy_acknowledged(
    *, site_ids: list[int], on: datetime.date, threshold: float | None
) -> dict[int, CriterionValue]:
    threshold = 95.0 if threshold is None else threshold
    rows = (
        live_tasks(Acknowledgement._base_manager.filter(site_id__in=list(site_ids)))
        .filter(version__document__doc_type=DocumentType.POLICY)
        .order_by()
        .values("site_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=AcknowledgementStatus.ACKNOWLEDGED)))
    )
    counts = {row["site_id"]: (row["done"], row["total"]) for row in rows}
    url = reverse("policies:coverage")
    out = {}
    for site_id in site_ids:
        done, total = counts.get(site_id, (0, 0))
        if not total:
            out[site_id] = CriterionValue(
                None, False, "No effective policy has been distributed to this site yet.", url
            )
            continue
        percent = round(100.0 * done / total, 1)
        out[site_id] = CriterionValue(
            percent, percent >= threshold, f"{done} of {total} policy acknowledgements signed ({percent:g} %).", url
        )
    return out


register_criterion(
    ReadinessCriterion(
        key="policy_acknowledged",
        label="IMS policy acknowledged",
        step=1,
        evaluate=policy_acknowledged,
        description="Share of the site's policy acknowledgement tasks that are signed.",
        threshold=95.0,
        unit="%",
    )
)
