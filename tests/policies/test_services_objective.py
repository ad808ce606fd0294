"""Objective and reading services: the cascade rules, status transitions, permissions, audit rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ims.access.querysets import RegulatedRecordDeletion
from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from policies import services
from policies.choices import Direction, ObjectiveLevel, ObjectiveStatus
from policies.models import Objective

from .factories import ObjectiveFactory, ObjectiveReadingFactory, in_days

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-6.2")]


@pytest.fixture
def cascade(org):
    company = ObjectiveFactory(site=None, owner=org.admin)
    site = ObjectiveFactory(site=org.site_a, parent=company, owner=org.qm_a)
    function = ObjectiveFactory(site=org.site_a, function=org.prod, parent=site, owner=org.qm_a)
    return company, site, function


def test_levels_follow_site_and_function(cascade):
    company, site, function = cascade
    assert [o.level for o in cascade] == [ObjectiveLevel.COMPANY, ObjectiveLevel.SITE, ObjectiveLevel.FUNCTION]


def test_a_function_objective_needs_a_site(org):
    with pytest.raises(ValidationError) as error:
        ObjectiveFactory(site=None, function=org.prod, owner=org.qm_a)
    assert "function" in error.value.message_dict
    company = ObjectiveFactory(site=None, owner=org.admin)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Objective.objects.filter(pk=company.pk).update(function=org.prod)


def test_a_parent_sits_one_level_up(org, cascade):
    company, site, function = cascade
    with pytest.raises(ValidationError, match="site objective"):
        ObjectiveFactory(site=org.site_a, function=org.qa, parent=company, owner=org.qm_a)  # function → company
    with pytest.raises(ValidationError, match="company objective"):
        ObjectiveFactory(site=org.site_a, parent=site, owner=org.qm_a)  # site → site
    with pytest.raises(ValidationError, match="top of the cascade"):
        ObjectiveFactory(site=None, parent=company, owner=org.admin)
    with pytest.raises(ValidationError, match="its own site"):
        ObjectiveFactory(site=org.site_b, function=org.qa, parent=site, owner=org.qm_b)


def test_cycles_are_refused(cascade):
    company, site, function = cascade
    with pytest.raises(ValidationError, match="itself"):
        services.objective_update(actor=None, objective=company, data={"parent": function})
    with pytest.raises(ValidationError):
        services.objective_update(actor=None, objective=site, data={"parent": site})
    company.refresh_from_db()
    assert company.parent is None


def test_moving_a_parent_that_breaks_its_children_is_refused(org, cascade):
    company, site, function = cascade
    with pytest.raises(ValidationError, match="one level below"):
        services.objective_update(actor=None, objective=site, data={"site": org.site_b})


def test_status_transitions(org):
    objective = ObjectiveFactory(site=org.site_a, status=ObjectiveStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.objective_update(actor=None, objective=objective, data={"status": ObjectiveStatus.ACHIEVED})
    services.objective_update(actor=None, objective=objective, data={"status": ObjectiveStatus.ACTIVE})
    services.objective_update(actor=None, objective=objective, data={"status": ObjectiveStatus.ACHIEVED})
    objective = services.objective_cancel(actor=None, objective=objective)
    assert objective.status == ObjectiveStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.objective_update(actor=None, objective=objective, data={"title": "Back again"})


def test_cancelling_needs_open_children_cancelled_first(cascade):
    company, site, function = cascade
    with pytest.raises(ValidationError, match="sub-objectives"):
        services.objective_cancel(actor=None, objective=site)
    services.objective_cancel(actor=None, objective=function)
    assert services.objective_cancel(actor=None, objective=site).status == ObjectiveStatus.CANCELLED


@pytest.mark.req("P11-10c")
def test_objectives_and_readings_are_never_deleted(org):
    reading = ObjectiveReadingFactory(objective__site=org.site_a)
    with pytest.raises(RegulatedRecordDeletion):
        reading.objective.delete()
    with pytest.raises(RegulatedRecordDeletion):
        reading.delete()


def test_targets_must_fit_the_direction(org):
    with pytest.raises(ValidationError, match="both ends"):
        ObjectiveFactory(site=org.site_a, direction=Direction.RANGE, target=None)
    with pytest.raises(ValidationError, match="above"):
        ObjectiveFactory(
            site=org.site_a, direction=Direction.RANGE, target=None, target_min=Decimal(5), target_max=Decimal(1)
        )
    with pytest.raises(ValidationError, match="due date"):
        ObjectiveFactory(site=org.site_a, start_date=in_days(5), due_date=in_days(1))


def test_permissions_per_level(org):
    with pytest.raises(PermissionDenied):  # company objectives are set by a global holder
        services.objective_create(
            actor=org.qm_a, title="X", kpi="K", owner=org.qm_a, due_date=in_days(9), target=Decimal(1)
        )
    with pytest.raises(PermissionDenied):
        services.objective_create(
            actor=org.qm_a, site=org.site_b, title="X", kpi="K", owner=org.qm_a, due_date=in_days(9), target=Decimal(1)
        )
    with pytest.raises(PermissionDenied):
        services.objective_create(
            actor=org.emp_a,
            site=org.site_a,
            title="X",
            kpi="K",
            owner=org.emp_a,
            due_date=in_days(9),
            target=Decimal(1),
        )
    made = services.objective_create(
        actor=org.qm_a, site=org.site_a, title="X", kpi="K", owner=org.qm_a, due_date=in_days(9), target=Decimal(1)
    )
    company = services.objective_create(
        actor=org.admin, title="Y", kpi="K", owner=org.admin, due_date=in_days(9), target=Decimal(1)
    )
    assert made.level == ObjectiveLevel.SITE and company.level == ObjectiveLevel.COMPANY


def test_one_valid_reading_per_period_and_voiding(org):
    reading = ObjectiveReadingFactory(objective__site=org.site_a, value=Decimal("97"))
    with pytest.raises(ValidationError, match="already has a reading"):
        ObjectiveReadingFactory(objective=reading.objective, period_end=reading.period_end)
    services.reading_void(actor=org.qm_a, reading=reading)
    again = ObjectiveReadingFactory(objective=reading.objective, period_end=reading.period_end, value=Decimal("99"))
    objective = Objective.objects.with_latest_reading().get(pk=reading.objective_id)
    assert objective.latest_value == again.value == Decimal("99")


def test_readings_of_cancelled_objectives_are_refused(org):
    objective = ObjectiveFactory(site=org.site_a)
    services.objective_cancel(actor=None, objective=objective)
    with pytest.raises(ValidationError, match="cancelled"):
        ObjectiveReadingFactory(objective=objective)


@pytest.mark.req("P11-10e", "A11-9")
def test_changes_are_in_the_audit_trail_with_the_reason(org):
    objective = ObjectiveFactory(site=org.site_a, owner=org.qm_a)
    with audit_context(actor=org.qm_a, reason="Target agreed in the management review"):
        services.objective_update(actor=org.qm_a, objective=objective, data={"target": Decimal("99")})
    event = AuditEvent.objects.for_record(objective).filter(action="U").latest("id")
    assert event.reason == "Target agreed in the management review"
    assert "target" in event.changed_fields
    assert event.site_ids == [org.site_a.pk]
    reading = ObjectiveReadingFactory(objective=objective)
    assert AuditEvent.objects.for_record(reading).filter(action="I").exists()
