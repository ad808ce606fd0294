"""KPI pages (200 for a quality manager), the reading entry form, the import, and the API incl. bulk and the
time series polled with ``updated_since``."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from implementation.kpis.models import KpiSignal, Reading
from tests.kpis.factories import add_series, make_kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a], unit="units", physical_max=None, target=Decimal(12))
    add_series(kpi, org.site_a, [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13, 40])
    return kpi


def test_pages_answer_200(org, client_for, kpi):
    client = client_for(org.qm_a)
    for url in (
        reverse("kpis:kpi_list"),
        reverse("kpis:kpi_list") + "?export=csv",
        reverse("kpis:kpi_detail", args=[kpi.pk]),
        reverse("kpis:dashboard"),
        reverse("kpis:dashboard") + f"?site={org.site_a.pk}",
        reverse("kpis:reading_add"),
        reverse("kpis:reading_import"),
        reverse("kpis:reading_list"),
        reverse("kpis:signal_list"),
        reverse("kpis:kpi_add"),
    ):
        assert client.get(url).status_code == 200, url
    detail = client.get(reverse("kpis:kpi_detail", args=[kpi.pk])).content.decode()
    assert "<svg" in detail and 'class="signal"' in detail
    pdf = client.get(reverse("kpis:kpi_pdf", args=[kpi.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_for(org.qm_b).get(reverse("kpis:kpi_pdf", args=[kpi.pk])).status_code == 404
    dashboard = client.get(reverse("kpis:dashboard")).content.decode()
    assert f'data-kpi="{kpi.code}"' in dashboard


def test_the_dashboard_of_another_site_is_404(org, client_for, kpi):
    assert client_for(org.qm_b).get(reverse("kpis:dashboard") + f"?site={org.site_a.pk}").status_code == 404


def test_the_reading_form_refuses_a_value_outside_the_range(org, client_for):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    client = client_for(org.qm_a)
    data = {"kpi": kpi.pk, "site": org.site_a.pk, "period": "2025-02-10", "value": "140"}
    response = client.post(reverse("kpis:reading_add"), data)
    assert response.status_code == 400
    assert "outside the possible range" in response.content.decode()
    assert not Reading.objects.exists()
    data["value"] = "97"
    assert client.post(reverse("kpis:reading_add"), data).status_code == 302
    assert Reading.objects.get().period_start == datetime.date(2025, 2, 1)


def test_the_chart_button_opens_one_capa(org, client_for, kpi):
    from implementation.kpis.signals import signals_detect

    assert signals_detect(kpi_id=kpi.pk, site_ids=[org.site_a.pk]) == 1
    signal = KpiSignal.objects.get()
    client = client_for(org.qm_a)
    assert client.post(reverse("kpis:signal_capa", args=[signal.pk])).status_code == 302
    signal.refresh_from_db()
    assert signal.capa_reference
    client.post(reverse("kpis:signal_capa", args=[signal.pk]))
    from capa.models import Capa

    assert Capa.objects.filter(reference=signal.capa_reference).count() == 1
    assert Capa._base_manager.count() == 1


def test_import_writes_nothing_unless_every_row_is_valid(org, client_for):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    client = client_for(org.qm_a)
    bad = (
        f"kpi,site,period,value\n{kpi.code},SITEA,2025-01,95\n{kpi.code},SITEA,2025-02,150\n"
        f"{kpi.code},SITEB,2025-03,90\n"
    )
    response = client.post(reverse("kpis:reading_import"), {"file": _file(bad, "r.csv")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "outside the possible range" in page and "SITEB" in page
    assert not Reading.objects.exists()
    good = f"kpi;site;period;value;denominator\n{kpi.code};SITEA;2025-01;95;200\n{kpi.code};SITEA;2025-02;96;180\n"
    response = client.post(reverse("kpis:reading_import"), {"file": _file(good, "r.csv")})
    assert response.status_code == 200
    assert Reading.objects.filter(channel="import").count() == 2


def test_import_reads_xlsx(org, client_for):
    from openpyxl import Workbook

    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    book = Workbook()
    sheet = book.active
    sheet.append(["KPI", "Site", "Period", "Value"])
    sheet.append([kpi.code, "SITEA", datetime.datetime(2025, 4, 1), 93.5])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "readings.xlsx"
    response = client_for(org.qm_a).post(reverse("kpis:reading_import"), {"file": upload})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Reading.objects.get().value == Decimal("93.5")


def _file(text: str, name: str):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def test_api_bulk_is_all_or_nothing_with_row_errors(org, client_for):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    client = client_for(org.qm_a)
    url = reverse("kpi-reading-bulk")
    rows = [
        {"kpi": kpi.code, "site": "SITEA", "period": "2025-01", "value": "95"},
        {"kpi": kpi.code, "site": "SITEA", "period": "2025-01", "value": "96"},
        {"kpi": "NOPE", "site": "SITEA", "period": "2025-02", "value": "96"},
    ]
    response = client.post(url, {"readings": rows}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(2, "period"), (3, "kpi")}
    assert not Reading.objects.exists()
    rows = [{"kpi": kpi.code, "site": "SITEA", "period": f"2025-{m:02d}", "value": "95", "denominator": 100}
            for m in range(1, 13)]  # fmt: skip
    response = client.post(url, {"readings": rows}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 12
    # The same again: every row is a duplicate now.
    assert client.post(url, {"readings": rows}, content_type="application/json").status_code == 400
    assert Reading.objects.count() == 12


def test_api_time_series_polls_incrementally(org, client_for, kpi):
    client = client_for(org.qm_a)
    url = reverse("kpi-series-list")
    first = client.get(url, {"kpi": kpi.code, "site": "SITEA"}).json()
    assert first["count"] == 13
    last = first["results"][-1]["updated_at"]
    assert client.get(url, {"updated_since": last}).json()["count"] == 0
    reading = Reading.objects.order_by("period_start").first()
    from implementation.kpis.services import reading_void

    reading_void(actor=org.qm_a, reading=reading, reason="Wrong batch count")
    changed = client.get(url, {"updated_since": last}).json()
    assert changed["count"] == 1 and changed["results"][0]["is_void"] is True
    assert client_for(org.qm_b).get(url, {"kpi": kpi.code}).json()["count"] == 0


def test_api_reading_refuses_a_duplicate_and_a_correction_needs_a_reason(org, client_for):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    client = client_for(org.qm_a)
    body = {"kpi": kpi.code, "site": "SITEA", "period": "2025-05-03", "value": "97"}
    created = client.post(reverse("kpi-reading-list"), body, content_type="application/json")
    assert created.status_code == 201, created.json()
    again = client.post(reverse("kpi-reading-list"), body, content_type="application/json")
    assert again.status_code == 400 and "already has a reading" in str(again.json())
    detail = reverse("kpi-reading-detail", args=[created.json()["id"]])
    no_reason = client.patch(detail, {"value": "96"}, content_type="application/json", HTTP_IF_MATCH="*")
    assert no_reason.status_code == 400
    patched = client.patch(
        detail, {"value": "96", "change_reason": "Recounted"}, content_type="application/json", HTTP_IF_MATCH="*"
    )
    assert patched.status_code == 200, patched.json()
    assert Reading.objects.get().value == Decimal("96")


def test_api_signal_raises_a_capa_once(org, client_for, kpi):
    from implementation.kpis.signals import signals_detect

    signals_detect(kpi_id=kpi.pk, site_ids=[org.site_a.pk])
    signal = KpiSignal.objects.get()
    client = client_for(org.qm_a)
    url = reverse("kpi-signal-raise-capa", args=[signal.pk])
    assert client.post(url).status_code == 201
    assert client.post(url).status_code == 400
    assert client_for(org.qm_b).post(url).status_code == 404


def test_the_schema_lists_the_kpi_api(client_for, org):
    schema = client_for(org.admin).get("/api/schema/").content.decode()
    assert "/api/v1/kpis/series/" in schema and "/api/v1/kpis/readings/bulk/" in schema
    assert timezone.now()
