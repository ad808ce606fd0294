"""Computed KPI sources: KPIs that the product measures from its own data, registered by the app that owns it.

An app registers a source in its ``kpi_sources.py``::

    register_source(KpiSource(key="capa_overdue", label="Overdue CAPAs", unit="CAPAs", direction="lower",
                              compute=capa_overdue_by_site, discipline="quality"))

``compute(*, site_ids, start, end)`` answers for many sites at once (a few queries) with a ``SourceValue`` per site
id for the period [start, end]; a site with nothing to measure is left out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class SourceValue:
    value: float
    #: For a proportion (p-chart): the number of units inspected, e.g. people who had to acknowledge; else None.
    denominator: int | None = None


@dataclass(frozen=True)
class KpiSource:
    key: str
    label: str
    unit: str
    direction: str  # "higher" or "lower" is better
    compute: Callable[..., dict[int, SourceValue]]
    description: str = ""
    discipline: str = ""  # quality / environment / ohs, or "" for the IMS as a whole


_SOURCES: dict[str, KpiSource] = {}


def register_source(source: KpiSource) -> None:
    _SOURCES[source.key] = source


def source_get(key: str) -> KpiSource:
    try:
        return _SOURCES[key]
    except KeyError:
        raise ValidationError(f"There is no computed KPI source called '{key}'.", code="unknown_source") from None


def sources_all() -> list[KpiSource]:
    return sorted(_SOURCES.values(), key=lambda s: s.label)


def source_compute(
    key: str, *, site_ids: list[int], start: datetime.date, end: datetime.date
) -> dict[int, SourceValue]:
    return source_get(key).compute(site_ids=site_ids, start=start, end=end)
