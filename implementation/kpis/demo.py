"""Demo KPIs of step 5: 20 quality, environment and safety KPIs of Helvetia Biologics with 24 months of readings at
the four demo sites, in control except one — deviations at Cork jumped last month, an out-of-control signal that
is noticed to its owner (the browser journey opens a CAPA from it). Idempotent: a KPI is looked up by its code,
readings are inserted once per KPI, site and period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.org.models import Person, Site

from .choices import DataSource, ReadingChannel
from .models import Kpi, Reading
from .periods import month_starts, period_bounds, previous_period
from .services import kpi_create

SITES = ("BSL", "CRK", "RDU", "SIN")
MONTHS = 24
QUALITY_OWNER, EHS_OWNER = "HB-1001", "HB-1014"
#: A repeating pattern in σ units that breaks none of the rules (no run of 8, no 2 of 3 beyond 2σ, …).
PATTERN = (0.5, -0.3, 0.8, -0.6, 0.2, -0.5, 0.4, -0.7, 0.1, 0.6, -0.4, -0.1)
SIGNAL_KPI, SIGNAL_SITE = "Q-DEV", "CRK"


@dataclass(frozen=True)
class DemoKpi:
    code: str
    name: str
    discipline: str
    unit: str
    direction: str
    target: str
    mean: float
    spread: float
    low: str | None = "0"
    high: str | None = None
    denominator: int | None = None
    source: str = DataSource.MANUAL
    source_key: str = ""


Q, E, H = "quality", "environment", "ohs"
KPIS: tuple[DemoKpi, ...] = (
    DemoKpi("Q-RFT", "Right-first-time batch release", Q, "%", "higher", "95", 96.5, 0.8, high="100", denominator=60),
    DemoKpi("Q-DEV", "Deviations per 100 batches", Q, "per 100 batches", "lower", "5", 4.2, 0.6),
    DemoKpi("Q-CMP", "Customer complaints per million units", Q, "ppm", "lower", "10", 7.5, 1.0),
    DemoKpi("Q-OOS", "Out-of-specification results", Q, "%", "lower", "1", 0.7, 0.1, high="100", denominator=400),
    DemoKpi(
        "Q-CAPA-OT",
        "CAPA on-time closure",
        Q,
        "%",
        "higher",
        "90",
        91.0,
        2.0,
        high="100",
        source=DataSource.COMPUTED,
        source_key="capa_on_time_rate",
    ),  # fmt: skip
    DemoKpi(
        "Q-ACK",
        "Policy acknowledgement coverage",
        Q,
        "%",
        "higher",
        "95",
        96.0,
        0.8,
        high="100",
        source=DataSource.COMPUTED,
        source_key="acknowledgement_coverage",
    ),  # fmt: skip
    DemoKpi(
        "Q-TRN",
        "Training compliance",
        Q,
        "%",
        "higher",
        "90",
        92.0,
        1.2,
        high="100",
        source=DataSource.COMPUTED,
        source_key="training_compliance",
    ),  # fmt: skip
    DemoKpi("E-CO2", "Scope 1+2 emissions", E, "t CO2e", "lower", "410", 402.0, 6.0),
    DemoKpi("E-H2O", "Water use per batch", E, "m³/batch", "lower", "18", 17.2, 0.5),
    DemoKpi("E-WST", "Hazardous waste", E, "t", "lower", "12", 11.1, 0.6),
    DemoKpi("E-RCY", "Waste recycled", E, "%", "higher", "60", 62.0, 1.5, high="100", source=DataSource.IMPORT),
    DemoKpi("E-NRG", "Energy intensity", E, "MWh/batch", "lower", "3.2", 3.05, 0.06, source=DataSource.API),
    DemoKpi("E-EXC", "Permit exceedances", E, "events", "lower", "0", 0.3, 0.15),
    DemoKpi("H-LTI", "Lost-time injury rate", H, "per 200,000 h", "lower", "0.5", 0.42, 0.06),
    DemoKpi("H-TRI", "Total recordable injury rate", H, "per 200,000 h", "lower", "1.2", 1.05, 0.1),
    DemoKpi("H-NMR", "Near misses reported", H, "reports", "higher", "20", 24.0, 2.5),
    DemoKpi(
        "H-SOB", "Safety observations closed on time", H, "%", "higher", "85", 88.0, 2.0, high="100", denominator=50
    ),  # fmt: skip
    DemoKpi("H-PTW", "Permit-to-work audits passed", H, "%", "higher", "95", 97.0, 1.0, high="100", denominator=40),
    DemoKpi("H-TRN", "EHS training completion", H, "%", "higher", "90", 93.0, 1.5, high="100", source=DataSource.API),
    DemoKpi(
        "H-RSK",
        "Risk reviews overdue",
        H,
        "entries",
        "lower",
        "2",
        1.2,
        0.3,
        source=DataSource.COMPUTED,
        source_key="risk_reviews_overdue",
    ),  # fmt: skip
)


def _value(spec: DemoKpi, site_index: int, kpi_index: int, month: int, last: bool, signal: bool) -> Decimal:
    if signal:
        return Decimal(str(round(spec.mean + 6 * spec.spread, 2)))
    if last:
        return Decimal(str(round(spec.mean, 2)))
    shift = PATTERN[(month + 3 * site_index + kpi_index) % len(PATTERN)]
    value = spec.mean + spec.spread * shift
    if spec.low is not None:
        value = max(value, float(spec.low))
    if spec.high is not None:
        value = min(value, float(spec.high))
    return Decimal(str(round(value, 2)))


@transaction.atomic
def kpis_demo_seed(today: datetime.date | None = None) -> str:
    """Create the demo KPIs and their readings (idempotent); returns a one-line summary."""
    today = today or timezone.localdate()
    sites = list(Site.objects.filter(code__in=SITES).order_by("code"))
    if not sites:
        return "kpis: no demo sites"
    owners = {p.employee_id: p for p in Person.objects.filter(employee_id__in=(QUALITY_OWNER, EHS_OWNER))}
    fallback = next(iter(owners.values()), None) or Person.objects.filter(is_active=True).order_by("pk").first()
    last_start, _last_end = previous_period("monthly", today)
    first = month_starts(last_start, 1)[0]
    year, month = first.year, first.month - (MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    starts = month_starts(datetime.date(year, month, 1), MONTHS)
    created_kpis = 0
    rows: list[Reading] = []
    with audit_context(reason="Demo KPIs"):
        for kpi_index, spec in enumerate(KPIS):
            kpi = Kpi._base_manager.filter(code=spec.code).first()
            if kpi is None:
                owner = owners.get(QUALITY_OWNER if spec.discipline == Q else EHS_OWNER) or fallback
                kpi = kpi_create(
                    actor=None, sites=sites, code=spec.code, name=spec.name, discipline=spec.discipline,
                    unit=spec.unit, direction=spec.direction, target=Decimal(spec.target),
                    physical_min=Decimal(spec.low) if spec.low is not None else None,
                    physical_max=Decimal(spec.high) if spec.high is not None else None,
                    owner=owner, data_source=spec.source, source_key=spec.source_key,
                    baseline_start=starts[0], baseline_end=starts[11],
                )  # fmt: skip
                created_kpis += 1
            channel = {
                DataSource.IMPORT: ReadingChannel.IMPORT, DataSource.API: ReadingChannel.API,
                DataSource.COMPUTED: ReadingChannel.IMPORT,
            }.get(spec.source, ReadingChannel.WEB)  # fmt: skip
            for site_index, site in enumerate(sites):
                for month_index, start in enumerate(starts):
                    last = month_index == MONTHS - 1
                    signal = last and spec.code == SIGNAL_KPI and site.code == SIGNAL_SITE
                    s, e = period_bounds("monthly", start)
                    rows.append(
                        Reading(
                            kpi=kpi,
                            site=site,
                            period_start=s,
                            period_end=e,
                            value=_value(spec, site_index, kpi_index, month_index, last, signal),
                            denominator=spec.denominator,
                            channel=channel,
                            entered_by=kpi.owner,
                            comment="History loaded when the KPI was set up"
                            if spec.source == DataSource.COMPUTED
                            else "",
                        )  # fmt: skip
                    )
        before = Reading._base_manager.count()
        Reading._base_manager.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        created = Reading._base_manager.count() - before
    signals = 0
    if created:
        from .signals import signals_detect

        kpi = Kpi._base_manager.get(code=SIGNAL_KPI)
        signals = signals_detect(kpi_id=kpi.pk, site_ids=[s.pk for s in sites])
    return f"KPIs {created_kpis} created, readings {created} created, signals {signals}"
