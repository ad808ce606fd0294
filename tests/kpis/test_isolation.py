"""Site isolation of KPIs, readings and signals through the generic kit (rows made by the services)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from implementation.kpis.models import Kpi, KpiSignal, Reading
from implementation.kpis.services import kpi_create, reading_record
from ims.org.models import Membership
from ims.testing.kit import ScopedModelCase, SiteIsolationTests

_numbers = itertools.count(1)


def owner_at(site):
    return Membership.objects.filter(site=site).order_by("pk").first().person


def kpi_at(site) -> Kpi:
    number = next(_numbers)
    return kpi_create(
        actor=None, sites=[site], code=f"K-{site.code}-{number}", name=f"KPI {number}", owner=owner_at(site),
        unit="%", target=Decimal("95"), physical_min=Decimal(0), physical_max=Decimal(100),
    )  # fmt: skip


def reading_at(site) -> Reading:
    return reading_record(actor=None, kpi=kpi_at(site), site=site, period=datetime.date(2025, 1, 1), value="96")


def signal_at(site) -> KpiSignal:
    reading = reading_at(site)
    return KpiSignal._base_manager.create(kpi=reading.kpi, site=site, reading=reading, rule="rule1")


def kpi_form(kpi: Kpi) -> dict:
    return {
        "name": "Renamed on the page", "discipline": kpi.discipline, "unit": kpi.unit, "direction": kpi.direction,
        "target": "90", "frequency": kpi.frequency, "owner": kpi.owner_id, "data_source": kpi.data_source,
        "sites": list(kpi.sites.values_list("pk", flat=True)), "physical_min": "0", "physical_max": "100",
    }  # fmt: skip


class TestKpiIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Kpi,
        create=kpi_at,
        list_url="kpis:kpi_list",
        detail_url="kpis:kpi_detail",
        api="kpi",
        edit_url="kpis:kpi_edit",
        edit_data=kpi_form,
        api_change=lambda kpi: {"name": "Renamed through the API"},
        add_url="kpis:kpi_add",
        add_data=lambda site: {
            "code": f"NEW-{site.code}",
            "name": "New KPI",
            "discipline": "quality",
            "unit": "%",
            "direction": "higher",
            "target": "95",
            "frequency": "monthly",
            "owner": owner_at(site).pk,
            "data_source": "manual",
            "sites": [site.pk],
        },  # fmt: skip
        api_create=lambda site: {
            "code": f"API-{site.code}",
            "name": "API KPI",
            "target": "95",
            "owner": owner_at(site).pk,
            "sites": [site.code],
        },  # fmt: skip
        deactivate_url="kpis:kpi_retire",
    )


class TestReadingIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Reading,
        create=reading_at,
        list_url="kpis:reading_list",
        detail_url="kpis:reading_detail",
        api="kpi-reading",
        edit_url="kpis:reading_correct",
        edit_data=lambda reading: {"value": "91", "comment": "Recounted"},
        api_change=lambda reading: {"value": "92"},
        deactivate_url="kpis:reading_void",
    )


class TestSignalIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=KpiSignal, create=signal_at, list_url="kpis:signal_list", detail_url="kpis:signal_detail",
        api="kpi-signal", deactivate_url="kpis:signal_dismiss",
    )  # fmt: skip
