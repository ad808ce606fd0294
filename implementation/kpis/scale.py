"""Scale data of step 5 (``manage.py seed_scale``, through ``KpisConfig.scale_seed``): 50 KPIs measured at every
scale site (40 at the large size) with 36 monthly readings each — 72,000 readings at the large size — inserted in
batches inside one transaction. Seven KPIs are computed (one per registered source); their history stops a month
early, so the scheduled computation has the last complete month of 40 sites to record. Idempotent: the scale KPIs
are recognised by their codes (``SCK-…``); when present nothing changes.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.org.models import Membership, Person, Site

from .choices import DataSource, Discipline, ReadingChannel
from .models import Kpi, Reading
from .periods import month_starts, period_bounds, previous_period

CODE_PREFIX = "SCK-"
SITE_PREFIX = "SC"
KPI_COUNT = 50
MONTHS = 36
BATCH = 5000
COMPUTED = (
    "acknowledgement_coverage", "training_compliance", "capa_overdue", "capa_on_time_rate",
    "effectiveness_pass_rate", "findings_per_audit", "risk_reviews_overdue",
)  # fmt: skip
DISCIPLINES = (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS)


def scale_kpis_present() -> int:
    return Kpi._base_manager.filter(code__startswith=CODE_PREFIX).count()


def _first_month(last: datetime.date) -> datetime.date:
    year, month = last.year, last.month - (MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return datetime.date(year, month, 1)


def kpis_scale_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    if present := scale_kpis_present():
        return f"{present} scale KPIs already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    owner = (
        Membership.objects.filter(site=sites[0]).order_by("pk").values_list("person", flat=True).first()
        or Person.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
    )
    rng = random.Random(seed * 17 + 5)
    started = time.monotonic()
    last_start, _end = previous_period("monthly", timezone.localdate())
    starts = month_starts(_first_month(last_start), MONTHS)
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        kpis = []
        for number in range(1, KPI_COUNT + 1):
            computed = COMPUTED[number - 1] if number <= len(COMPUTED) else ""
            proportion = number % 3 == 0 or computed in ("acknowledgement_coverage", "training_compliance")
            kpis.append(
                Kpi(
                    code=f"{CODE_PREFIX}{number:03d}",
                    name=f"Scale KPI {number}",
                    discipline=DISCIPLINES[number % 3],
                    unit="%" if proportion else "units",
                    direction="higher" if proportion else "lower",
                    target=Decimal(90 if proportion else 10),
                    physical_min=Decimal(0),
                    physical_max=Decimal(100) if proportion else None,
                    owner_id=owner,
                    data_source=DataSource.COMPUTED if computed else DataSource.API,
                    source_key=computed,
                    baseline_start=starts[0],
                    baseline_end=starts[11],
                )  # fmt: skip
            )
        kpis = Kpi._base_manager.bulk_create(kpis)
        through = Kpi.sites.through
        through.objects.bulk_create([through(kpi_id=k.pk, site_id=s.pk) for k in kpis for s in sites], batch_size=BATCH)
        log(f"  kpis: {len(kpis)} KPIs at {len(sites)} sites")
        total = 0
        batch: list[Reading] = []
        for kpi in kpis:
            proportion = kpi.unit == "%"
            months = starts[:-1] if kpi.source_key else starts
            for site in sites:
                level = rng.uniform(92, 97) if proportion else rng.uniform(3, 8)
                for start in months:
                    value = level + rng.gauss(0, 1.0 if proportion else 0.8)
                    value = min(max(value, 0.0), 100.0)
                    s, e = period_bounds("monthly", start)
                    batch.append(
                        Reading(
                            kpi_id=kpi.pk,
                            site_id=site.pk,
                            period_start=s,
                            period_end=e,
                            value=Decimal(f"{value:.2f}"),
                            denominator=rng.randint(80, 400) if proportion else None,
                            channel=ReadingChannel.API,
                        )  # fmt: skip
                    )
                    if len(batch) >= BATCH:
                        Reading._base_manager.bulk_create(batch)
                        total += len(batch)
                        batch = []
        if batch:
            Reading._base_manager.bulk_create(batch)
            total += len(batch)
    tables_analyze("kpis_kpi", "kpis_kpi_sites", "kpis_reading")
    return f"{len(kpis)} KPIs at {len(sites)} sites with {total:,} readings in {time.monotonic() - started:.1f} s"
