"""The scheduled computation of computed KPIs: one reading per KPI, site and period, idempotent and set-based.

Each computed KPI asks its registered source once for all its sites (``ims.indicators.kpi_sources``); the readings
are inserted in one statement that skips a (KPI, site, period) that already has one, so a re-run adds nothing.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.indicators.kpi_sources import source_compute

from .choices import DataSource, ReadingChannel
from .models import Kpi, Reading
from .periods import previous_period

logger = logging.getLogger(__name__)
QUANTUM = Decimal("0.0001")


def computed_readings_record(*, today: datetime.date | None = None, kpi_ids: list[int] | None = None) -> dict:
    """Record the last complete period of every active computed KPI; returns counts (a re-run: created 0)."""
    today = today or timezone.localdate()
    kpis = Kpi._base_manager.filter(is_active=True, data_source=DataSource.COMPUTED)
    if kpi_ids is not None:
        kpis = kpis.filter(pk__in=kpi_ids)
    site_ids_by_kpi: dict[int, list[int]] = {}
    through = Kpi.sites.through
    for kpi_id, site_id in through.objects.filter(kpi__in=kpis, site__is_active=True).values_list("kpi_id", "site_id"):
        site_ids_by_kpi.setdefault(kpi_id, []).append(site_id)
    created = skipped = 0
    touched: list[tuple[int, list[int]]] = []
    with audit_context(channel="task", reason="Computed KPI readings recorded on schedule"):
        for kpi in kpis.order_by("pk"):
            site_ids = sorted(site_ids_by_kpi.get(kpi.pk, []))
            if not site_ids:
                continue
            start, end = previous_period(kpi.frequency, today)
            existing = set(
                Reading._base_manager.filter(kpi=kpi, period_start=start, is_void=False).values_list(
                    "site_id", flat=True
                )
            )
            missing = [s for s in site_ids if s not in existing]
            if not missing:
                continue
            values = source_compute(kpi.source_key, site_ids=missing, start=start, end=end)
            rows = []
            for site_id, measured in values.items():
                if site_id not in missing:
                    continue
                value = Decimal(str(measured.value)).quantize(QUANTUM)
                if (kpi.physical_min is not None and value < kpi.physical_min) or (
                    kpi.physical_max is not None and value > kpi.physical_max
                ):
                    logger.warning("KPI %s at site %s: computed %s is outside its range", kpi.code, site_id, value)
                    skipped += 1
                    continue
                rows.append(
                    Reading(
                        kpi=kpi,
                        site_id=site_id,
                        period_start=start,
                        period_end=end,
                        value=value,
                        denominator=measured.denominator,
                        channel=ReadingChannel.COMPUTED,
                    )  # fmt: skip
                )
            with transaction.atomic():
                Reading._base_manager.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            now = Reading._base_manager.filter(kpi=kpi, period_start=start, is_void=False).count()
            created += now - len(existing)
            if rows:
                touched.append((kpi.pk, [r.site_id for r in rows]))
    signals = 0
    if touched:
        from .signals import signals_detect

        for kpi_id, site_ids in touched:
            signals += signals_detect(kpi_id=kpi_id, site_ids=site_ids)
    return {"created": created, "skipped": skipped, "signals": signals}
