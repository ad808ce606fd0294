"""A training root cause raises training assignments (reason CAPA) through the kernel's retraining registry, end
to end; CAPA actions due and overdue reach the daily digest, with escalation to the manager and the site's quality
managers, once a day."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from capa import reminders, services
from capa.choices import ActionKind
from capa.models import CapaAction
from ims.actions.retraining import retraining_providers
from ims.notifications.models import Notice
from ims.notifications.registry import producers
from tests.training.factories import course_at
from training.choices import AssignmentReason, AssignmentStatus
from training.models import Assignment

from .capakit import TODAY, capa_at, investigated

pytestmark = pytest.mark.django_db


def test_training_registers_its_retraining_provider():
    assert "training" in retraining_providers()


def test_a_training_root_cause_raises_assignments_with_reason_capa(org):
    course = course_at(org.site_a, code="SOP-CR-01")
    capa = investigated(org, capa_at(org), category="training")
    action = services.capa_retraining_raise(
        actor=org.qm_a,
        capa=capa,
        people=[org.emp_a],
        course_code="SOP-CR-01",
        due_date=TODAY + datetime.timedelta(days=14),
    )
    assignment = Assignment.objects.get(person=org.emp_a, course=course)
    assert assignment.reason == AssignmentReason.CAPA and assignment.status == AssignmentStatus.OPEN
    assert assignment.site == org.site_a
    assert action.kind == ActionKind.CORRECTIVE and "1 training assignment" in action.description
    again = services.capa_retraining_raise(
        actor=org.qm_a, capa=capa, people=[org.emp_a], course_code="SOP-CR-01", due_date=TODAY
    )
    assert "0 training assignment" in again.description
    assert Assignment.objects.filter(person=org.emp_a, course=course).count() == 1


def test_retraining_is_refused_for_another_root_cause_or_an_unknown_course(org):
    course_at(org.site_a, code="SOP-CR-02")
    capa = investigated(org, capa_at(org), category="procedure")
    with pytest.raises(services.CapaRefused, match="category training"):
        services.capa_retraining_raise(
            actor=org.qm_a, capa=capa, people=[org.emp_a], course_code="SOP-CR-02", due_date=TODAY
        )
    trained = investigated(org, capa_at(org), category="training")
    with pytest.raises(ValidationError, match="No active course"):
        services.capa_retraining_raise(
            actor=org.qm_a, capa=trained, people=[org.emp_a], course_code="NOPE", due_date=TODAY
        )
    with pytest.raises(ValidationError, match="no access to site"):
        services.capa_retraining_raise(
            actor=org.qm_a, capa=trained, people=[org.emp_b], course_code="SOP-CR-02", due_date=TODAY
        )
    assert not Assignment.objects.exists() and not CapaAction.objects.exists()


def action_due(org, due):
    capa = investigated(org, capa_at(org))
    return services.capa_action_add(
        actor=org.qm_a, capa=capa, kind=ActionKind.CORRECTIVE, title="Fix the alarm", owner=org.emp_a, due_date=due
    )


def test_the_digest_reminds_owners_once_a_day(org):
    assert "capa" in producers()
    action_due(org, TODAY + datetime.timedelta(days=7))
    assert reminders.capa_notices(TODAY) == 1
    notice = Notice.objects.get(person=org.emp_a, category="capa")
    assert "Fix the alarm (due 2026-11-09)" in notice.body
    assert reminders.capa_notices(TODAY) == 0  # the same day again: nothing new
    assert reminders.capa_notices(TODAY + datetime.timedelta(days=1)) == 0  # the same step
    assert reminders.capa_notices(TODAY + datetime.timedelta(days=6)) == 1  # the 1-day step


def test_overdue_actions_escalate_to_the_manager_and_the_quality_managers_once(org):
    org.emp_a.manager = org.admin
    org.emp_a.save(update_fields=["manager"])
    today = timezone.localdate()  # the memberships start today
    action_due(org, today - datetime.timedelta(days=3))
    assert reminders.capa_escalations(on=today) == 2
    told = set(Notice.objects.filter(category="capa_escalation").values_list("person__username", flat=True))
    assert told == {"qm_a", "global_admin"}
    assert reminders.capa_escalations(on=today) == 0
    assert reminders.capa_escalations(on=today + datetime.timedelta(days=1)) == 0
    assert "Emp Fix the alarm" not in Notice.objects.get(person=org.qm_a).body
    assert "overdue since" in Notice.objects.get(person=org.qm_a).body
