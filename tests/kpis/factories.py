"""KPI test data, created through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from implementation.kpis.periods import month_starts
from implementation.kpis.services import kpi_create


def make_kpi(*, owner, sites, code="KPI-1", **fields):
    defaults = {
        "name": f"{code} right first time",
        "unit": "%",
        "direction": "higher",
        "target": Decimal("95"),
        "physical_min": Decimal("0"),
        "physical_max": Decimal("100"),
    }
    defaults.update(fields)
    return kpi_create(actor=None, sites=list(sites), code=code, owner=owner, **defaults)


def add_series(kpi, site, values, *, first=datetime.date(2024, 1, 1), denominators=None):
    """Readings for consecutive months, inserted directly (fast; no signal detection)."""
    from implementation.kpis.models import Reading
    from implementation.kpis.periods import period_bounds

    rows = []
    for i, (start, value) in enumerate(zip(month_starts(first, len(values)), values, strict=True)):
        s, e = period_bounds("monthly", start)
        rows.append(
            Reading(
                kpi=kpi,
                site=site,
                period_start=s,
                period_end=e,
                value=Decimal(str(value)),
                denominator=denominators[i] if denominators else None,
                channel="import",
            )  # fmt: skip
        )
    return Reading._base_manager.bulk_create(rows)
