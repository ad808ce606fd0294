"""Readiness criterion of step 6: the site's first internal audit is done and its major findings are under CAPA."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse

from ims.indicators.readiness import CriterionValue, ReadinessCriterion, register_criterion

from .choices import AuditStatus, FindingGrade, FindingStatus
from .models import Audit, Finding

DONE = (AuditStatus.COMPLETED, AuditStatus.ACKNOWLEDGED, AuditStatus.APPROVED)


def first_audit_done(*, site_ids: list[int], on: datetime.date, threshold: float | None) -> dict[int, CriterionValue]:
    audited = dict(
        Audit._base_manager.filter(site_id__in=list(site_ids), status__in=DONE)
        .order_by()
        .values("site_id")
        .annotate(n=Count("pk"))
        .values_list("site_id", "n")
    )
    majors = {
        row["site_id"]: row
        for row in Finding._base_manager.filter(
            site_id__in=list(site_ids), grade=FindingGrade.MAJOR, status=FindingStatus.OPEN
        )
        .order_by()
        .values("site_id")
        .annotate(total=Count("pk"), without=Count("pk", filter=Q(action_ref="")))
    }
    url = reverse("audits:audit_list")
    out = {}
    for site_id in site_ids:
        if not audited.get(site_id):
            out[site_id] = CriterionValue(None, False, "No internal audit of this site is completed yet.", url)
            continue
        row = majors.get(site_id, {"total": 0, "without": 0})
        without = row["without"]
        detail = (
            f"{audited[site_id]} audit(s) completed; {without} of {row['total']} major finding(s) without a CAPA."
            if without
            else f"{audited[site_id]} audit(s) completed; every major finding ({row['total']}) is under CAPA."
        )
        out[site_id] = CriterionValue(float(without), without == 0, detail, reverse("audits:finding_list") if without
                                      else url)  # fmt: skip
    return out


register_criterion(
    ReadinessCriterion(
        key="first_audit_done",
        label="First internal audit done, majors under CAPA",
        step=6,
        evaluate=first_audit_done,
        description="An internal audit of the site is completed and each major finding has its CAPA.",
    )
)
