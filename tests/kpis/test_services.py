"""KPI and reading services: validation with clear messages, nothing saved on bad input; corrections and voids."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from implementation.kpis.models import Kpi, KpiSignal, Reading
from implementation.kpis.services import kpi_create, reading_correct, reading_record, reading_void
from ims.audit.context import audit_context
from tests.kpis.factories import add_series, make_kpi

pytestmark = pytest.mark.django_db


def test_a_reading_outside_the_physical_range_is_refused(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    with pytest.raises(ValidationError) as caught:
        reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 5), value="120")
    assert "outside the possible range" in str(caught.value)
    assert not Reading.objects.exists()


def test_a_duplicate_reading_for_a_period_is_refused(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    first = reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 5), value="97")
    assert (first.period_start, first.period_end) == (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    with pytest.raises(ValidationError) as caught:
        reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 28), value="98")
    assert "already has a reading" in str(caught.value)
    assert Reading.objects.count() == 1


def test_a_reading_needs_a_site_of_the_kpi_and_the_permission(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    with pytest.raises(ValidationError):
        reading_record(actor=None, kpi=kpi, site=org.site_b, period=datetime.date(2025, 3, 1), value="90")
    with pytest.raises(PermissionDenied):
        reading_record(actor=org.emp_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 1), value="90")
    with pytest.raises(PermissionDenied):
        reading_record(actor=org.qm_b, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 1), value="90")
    assert not Reading.objects.exists()


def test_a_kpi_needs_its_target_and_a_known_computed_source(org):
    with pytest.raises(ValidationError) as caught:
        kpi_create(actor=org.qm_a, sites=[org.site_a], code="K", name="K", owner=org.qm_a, direction="higher")
    assert "target" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_kpi(owner=org.qm_a, sites=[org.site_a], code="K2", data_source="computed", source_key="no_such_source")
    assert "source_key" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        kpi_create(actor=org.qm_a, sites=[org.site_b], code="K3", name="K3", owner=org.qm_a, target=Decimal(1))
    assert not Kpi.objects.exists()


def test_a_correction_needs_a_reason_and_voiding_frees_the_period(org):
    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a])
    reading = reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 1), value="97")
    with pytest.raises(ValidationError):
        reading_correct(actor=org.qm_a, reading=reading, value="96")
    with audit_context(reason="Typo in the batch count"):
        corrected = reading_correct(actor=org.qm_a, reading=reading, value="96")
    assert corrected.value == Decimal("96")
    with pytest.raises(ValidationError):
        reading_void(actor=org.qm_a, reading=reading, reason=" ")
    reading_void(actor=org.qm_a, reading=reading, reason="Entered for the wrong site")
    again = reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 3, 1), value="95")
    assert again.pk != reading.pk
    assert Reading.objects.count() == 2


def test_an_out_of_control_reading_notifies_the_owner_once_and_opens_one_capa(org):
    from implementation.kpis.signals import NOTICE_CATEGORY, signal_raise_capa
    from ims.notifications.models import Notice

    kpi = make_kpi(owner=org.qm_a, sites=[org.site_a], physical_max=None, unit="units", target=Decimal(12))
    add_series(kpi, org.site_a, [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13])
    reading = reading_record(actor=org.qm_a, kpi=kpi, site=org.site_a, period=datetime.date(2025, 1, 1), value="40")
    signal = KpiSignal.objects.get()
    assert (signal.reading_id, signal.rule) == (reading.pk, "rule1")
    assert Notice.objects.filter(person=org.qm_a, category=NOTICE_CATEGORY).count() == 1
    from implementation.kpis.signals import signals_detect

    assert signals_detect(kpi_id=kpi.pk, site_ids=[org.site_a.pk]) == 0  # recorded once

    with pytest.raises(PermissionDenied):
        signal_raise_capa(actor=org.emp_a, signal=signal)
    raised = signal_raise_capa(actor=org.qm_a, signal=signal)
    assert raised.capa_reference
    with pytest.raises(ValidationError) as caught:
        signal_raise_capa(actor=org.qm_a, signal=signal)
    assert raised.capa_reference in str(caught.value)
